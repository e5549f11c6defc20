"""The base of every domain error.

Services raise subclasses of `DomainError`; each carries the API error code, the
HTTP status and a message for humans. The API's exception handler turns one into
the contract's error envelope, and pages show its message next to the form. No
DRF here: services must not depend on the web layer.
"""

from typing import Any, ClassVar

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    code: ClassVar[str] = "invalid_request"
    status: ClassVar[int] = 400
    default_message: ClassVar[str] = _("The request cannot be carried out.")

    def __init__(self, message: str | None = None, **extra: Any) -> None:
        self.message = message or self.default_message
        # Extra fields appear beside error/message in the API body
        # (e.g. available_amount and required_amount for insufficient funds).
        self.extra = extra
        super().__init__(self.message)


class InvalidTransition(DomainError):
    code = "invalid_transition"
    default_message = _("That change of status is not allowed.")


# The two answers of every `<entity>_get_for(*, user, pk, lock=False)` selector.
# They also subclass Django's own exceptions so a page view that lets one escape
# gets Django's 404/403 page, while the API's handler (which checks DomainError
# first) answers in the contract's envelope. Selectors raise these, never Http404.
class NotFound(DomainError, Http404):
    code = "not_found"
    status = 404
    default_message = _("Not found.")


class NotAllowed(DomainError, PermissionDenied):
    code = "permission_denied"
    status = 403
    default_message = _("You do not have permission to perform this action.")


class ConflictOfInterest(NotAllowed):
    """Nobody acts as staff on their own wallet, loan, contract, case or withdrawal."""

    code = "conflict_of_interest"
    status = 403
    default_message = _("You cannot act as staff on something of your own.")
