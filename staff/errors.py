"""The domain errors of staff work, raised by any app's services."""

from config.errors import DomainError


class ConflictOfInterest(DomainError):
    """Nobody acts as staff on their own wallet, loan, contract, case or withdrawal."""

    code = "conflict_of_interest"
    status = 403
    default_message = "You cannot act as staff on something of your own."


class FourEyesRequired(DomainError):
    code = "four_eyes_required"
    status = 403
    default_message = "A second person must approve what you requested."


class ApprovalNotPending(DomainError):
    code = "approval_not_pending"
    status = 400
    default_message = "This approval has already been decided."
