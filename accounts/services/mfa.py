"""A second factor: TOTP authenticators (django-otp) and hashed recovery codes.

Enrolment, the code at sign-in (pages and API), recovery codes, removal and
replacement, and the reset an administrator asks for (staff/services/mfa_resets.py)
all write here. Who must use a second factor is the gate's business
(staff.permissions, STAFF_MFA), not these services': they work for anyone.

Rules, and why:
- A TOTP code counts once: django-otp's TOTPDevice remembers the last time step
  it accepted (`last_t`) and refuses that step and older ones, so a code seen
  over a shoulder or replayed from a log is refused.
- A wrong code is a failed sign-in for django-axes (`user_login_failed` with
  the account's email), so passwords and codes share one lockout: the sixth
  failure in a row for one email from one address locks it for 15 minutes.
  django-otp's own per-device throttle (a growing delay after each wrong code)
  also holds, whatever address the guesses come from.
- Recovery codes are random (about 50 bits each), shown once, stored hashed with
  Django's password hashers, single use.
- The API's sign-in step is a signed, short-lived (5 minutes) token naming the
  user; it is spent by the first verified code (the cache remembers it until it
  expires), so it cannot be used twice.
- Enrolment, removal, reset, each recovery code used and each wrong code leave an
  audit event (staff.services.audit_record).
"""

import base64
import logging
import secrets
from io import BytesIO
from typing import Any
from uuid import uuid4

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.core import signing
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import RecoveryCode, User
from accounts.services.auth import InvalidCredentials, TokenInvalid, TokenPair, auth_tokens_issue
from config.errors import DomainError

logger = logging.getLogger(__name__)

RECOVERY_CODE_COUNT = 10
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i
RECOVERY_CODE_LENGTH = 10
LOGIN_STEP_SECONDS = 5 * 60
DEVICE_NAME = "Authenticator app"
_SIGNING_SALT = "accounts.mfa.login"  # a namespace for the signature, not a secret


class InvalidCode(InvalidCredentials):
    default_message = _("That code is not right, or it has already been used.")


class MfaNotEnrolled(DomainError):
    code = "mfa_not_enrolled"
    status = 400
    default_message = _("No authenticator is enrolled for this account.")


class MfaAlreadyEnrolled(DomainError):
    code = "mfa_already_enrolled"
    status = 400
    default_message = _("An authenticator is already enrolled; replace or remove it first.")


# --- reads -------------------------------------------------------------------------


def mfa_device(*, user: Any) -> TOTPDevice | None:
    """The user's confirmed authenticator, if any."""
    if not getattr(user, "pk", None):
        return None
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("id").first()


def mfa_enrolled(*, user: Any) -> bool:
    if not getattr(user, "pk", None):
        return False
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def recovery_codes_left(*, user: User) -> int:
    return RecoveryCode.objects.filter(user=user, used_at__isnull=True).count()


def totp_secret(device: TOTPDevice) -> str:
    """The shared secret as people type it into an authenticator (base32)."""
    return base64.b32encode(device.bin_key).decode()


def totp_qr_svg(device: TOTPDevice) -> str:
    """The otpauth:// URL as an inline SVG QR code, drawn here (no outside service)."""
    import qrcode
    import qrcode.image.svg

    image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage)
    out = BytesIO()
    image.save(out)
    svg = out.getvalue().decode()
    return svg[svg.index("<svg") :]  # inline: no XML declaration


# --- enrolment -----------------------------------------------------------------------


def mfa_enrol_start(*, user: User) -> TOTPDevice:
    """An unconfirmed authenticator for `user` to scan (the same one until confirmed)."""
    with transaction.atomic():
        if TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True).exists():
            raise MfaAlreadyEnrolled()
        device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("id").first()
        if device is None:
            device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
        return device


def mfa_enrol_confirm(*, user: User, code: str) -> tuple[TOTPDevice, list[str]]:
    """Confirm the authenticator with a first code; returns it and the ten recovery
    codes (their only showing). A wrong code is a ValidationError on `code`."""
    with transaction.atomic():
        if TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True).exists():
            raise MfaAlreadyEnrolled()
        device = (
            TOTPDevice.objects.select_for_update()
            .filter(user=user, confirmed=False)
            .order_by("id")
            .first()
        )
        if device is None:
            raise MfaNotEnrolled(_("Start the enrolment again: scan the code shown."))
        if not device.verify_token(_digits(code)):
            raise ValidationError({"code": ["That code is not right. Try the current one."]})
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        TOTPDevice.objects.filter(user=user, confirmed=False).delete()
        codes = _recovery_codes_issue(user)
        _audit(user, "mfa.enrolled", user, {"device": device.name})
    return device, codes


def recovery_codes_regenerate(*, user: User, code: str) -> list[str]:
    """Ten new recovery codes for a current code (the old ones stop working)."""
    with transaction.atomic():
        if _verify_locked(user, code, recovery=False) is None:
            raise InvalidCode()
        codes = _recovery_codes_issue(user)
        _audit(user, "mfa.recovery_codes_issued", user, {"count": len(codes)})
    return codes


def _recovery_codes_issue(user: User) -> list[str]:
    RecoveryCode.objects.filter(user=user).delete()
    codes = [
        "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_CODE_LENGTH))
        for _ in range(RECOVERY_CODE_COUNT)
    ]
    RecoveryCode.objects.bulk_create(
        RecoveryCode(user=user, code_hash=make_password(code)) for code in codes
    )
    return [f"{code[:5]}-{code[5:]}" for code in codes]


# --- verification ----------------------------------------------------------------------


def _digits(code: str) -> str:
    return "".join(str(code or "").split())


def _recovery_form(code: str) -> str:
    cleaned = "".join(ch for ch in str(code or "").lower() if ch.isalnum())
    return cleaned if len(cleaned) == RECOVERY_CODE_LENGTH else ""


def _verify_locked(user: User, code: str, *, recovery: bool = True) -> TOTPDevice | None:
    """Inside a transaction: the device that accepts `code` (a TOTP code, or with
    `recovery` an unused recovery code, spent now), or None. It does not raise on a
    wrong code: the transaction must commit the device's throttle count."""
    device = (
        TOTPDevice.objects.select_for_update()
        .filter(user=user, confirmed=True)
        .order_by("id")
        .first()
    )
    if device is None:
        raise MfaNotEnrolled()
    digits = _digits(code)
    if digits.isdigit() and len(digits) == device.digits and device.verify_token(digits):
        return device
    candidate = _recovery_form(code) if recovery else ""
    if candidate:
        for row in RecoveryCode.objects.select_for_update().filter(user=user, used_at__isnull=True):
            if check_password(candidate, row.code_hash):
                row.used_at = timezone.now()
                row.save(update_fields=["used_at"])
                _audit(
                    user,
                    "mfa.recovery_code_used",
                    user,
                    {"left": recovery_codes_left(user=user)},
                )
                return device
    return None


def _axes_credentials(user: User) -> dict:
    return {"username": user.email}


def mfa_verify(*, user: User, code: str, request: HttpRequest | None = None) -> TOTPDevice:
    """Check a code (TOTP or recovery) of `user`'s; the device that accepted it.

    With a request, the code counts toward the sign-in lockout like a password: a
    locked-out email and address are refused without looking at the code, and a
    wrong code is a failed sign-in (django-axes). Every wrong code is audited."""
    if request is not None and _locked_out(request, user):
        raise InvalidCode()
    with transaction.atomic():
        device = _verify_locked(user, code)
        if device is None:
            _audit(user, "mfa.failed", user, {})
    if device is None:
        if request is not None:
            user_login_failed.send(
                sender=__name__, credentials=_axes_credentials(user), request=request
            )
        raise InvalidCode()
    return device


def _locked_out(request: HttpRequest, user: User) -> bool:
    if not settings.AXES_ENABLED:
        return False
    from axes.handlers.proxy import AxesProxyHandler

    if AxesProxyHandler.is_locked(request, _axes_credentials(user)):
        request.axes_locked_out = True  # the axes middleware answers with the lockout
        return True
    return False


# --- removal and reset ---------------------------------------------------------------


def mfa_remove(*, user: User, password: str, code: str, request: HttpRequest | None = None) -> None:
    """Remove one's own authenticator and recovery codes: the password and a current
    code (or a recovery code) first. Replacing is removing, then enrolling again."""
    if not user.check_password(password or ""):
        raise ValidationError({"password": ["That password is not right."]})
    mfa_verify(user=user, code=code, request=request)
    with transaction.atomic():
        removed = _devices_delete(user)
        _audit(user, "mfa.removed", user, {"devices": removed})


def mfa_devices_reset(*, user: User, by: User, approval_id: Any = None) -> int:
    """Remove `user`'s authenticators and recovery codes for an approved reset (the
    four-eyes executor); they enrol again at their next sign-in."""
    with transaction.atomic():
        removed = _devices_delete(user)
        _audit(by, "mfa.reset", user, {"devices": removed, "approval_id": approval_id})
    return removed


def _devices_delete(user: User) -> int:
    removed, _ = TOTPDevice.objects.filter(user=user).delete()
    RecoveryCode.objects.filter(user=user).delete()
    return removed


def _audit(actor: User, action: str, subject: User, changes: dict) -> None:
    from staff.services.audit import audit_record

    audit_record(actor=actor, action=action, subject=subject, changes=changes)


# --- the API's second step -------------------------------------------------------------


def mfa_login_token(*, user: User) -> str:
    """The signed token that carries a password sign-in to its code step."""
    return signing.dumps({"u": str(user.pk), "n": uuid4().hex}, salt=_SIGNING_SALT, compress=True)


def _login_token_read(mfa_token: str) -> tuple[User, str]:
    try:
        data = signing.loads(mfa_token, salt=_SIGNING_SALT, max_age=LOGIN_STEP_SECONDS)
        user = User.objects.get(pk=data["u"], is_active=True)
        nonce = str(data["n"])
    except (signing.BadSignature, User.DoesNotExist, KeyError, TypeError, ValueError) as exc:
        raise TokenInvalid() from exc
    if cache.get(_spent_key(nonce)):
        raise TokenInvalid()
    return user, nonce


def _spent_key(nonce: str) -> str:
    return f"mfa-login-token-spent:{nonce}"


def mfa_login_complete(
    *, mfa_token: str, code: str, request: HttpRequest | None = None
) -> TokenPair:
    """The code step of the API's sign-in: a token pair that carries the second factor.

    An expired, forged or spent `mfa_token` is 401 token_invalid; a wrong code 401
    invalid_credentials (and a failure for the lockout)."""
    user, nonce = _login_token_read(mfa_token)
    mfa_verify(user=user, code=code, request=request)
    # Spent now; `add` is atomic in the shared cache, so of two racing requests
    # with one token only the first gets a pair.
    if not cache.add(_spent_key(nonce), 1, timeout=LOGIN_STEP_SECONDS + 60):
        raise TokenInvalid()
    if request is not None:
        user_logged_in.send(sender=type(user), request=request, user=user)
    return auth_tokens_issue(user=user, mfa=True)
