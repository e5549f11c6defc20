"""The domain errors of staff work, raised by any app's services."""

from django.utils.translation import gettext_lazy as _

from config.errors import ConflictOfInterest, DomainError

__all__ = ["ApprovalNotPending", "ApprovalPending", "ConflictOfInterest", "FourEyesRequired"]


class FourEyesRequired(DomainError):
    code = "four_eyes_required"
    status = 403
    default_message = _("A second person must approve what you requested.")


class ApprovalNotPending(DomainError):
    code = "approval_not_pending"
    status = 400
    default_message = _("This approval has already been decided.")


class ApprovalPending(DomainError):
    code = "approval_pending"
    status = 400
    default_message = _("A request for this is already waiting for a second person.")
