"""People and their sign-in: registration, API tokens, logout.

Every write about people and their sign-in lives here, so the API, the pages,
the admin and the demo seed all follow the same rules.
"""

import logging
from typing import TypedDict

from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.models import update_last_login
from django.contrib.auth.signals import user_logged_in
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken
from rest_framework_simplejwt.utils import get_md5_hash_password

from accounts.authentication import MFA_CLAIM
from accounts.models import User
from config.errors import DomainError

logger = logging.getLogger(__name__)

EMAIL_TAKEN = "An account with this email address already exists."


class InvalidCredentials(DomainError):
    code = "invalid_credentials"
    status = 401
    default_message = _("The email address or password is incorrect.")


class TokenInvalid(DomainError):
    code = "token_invalid"
    status = 401
    default_message = _("The token is invalid or has expired.")


class TokenNotYours(DomainError):
    code = "permission_denied"
    status = 403
    default_message = _("This token belongs to another account.")


class TokenPair(TypedDict):
    access_token: str
    refresh_token: str


class MfaStep(TypedDict):
    """A password accepted for an account with a second factor: the code comes next."""

    mfa_required: bool
    mfa_token: str


def user_create(
    *, email: str, name: str, password: str, is_staff: bool = False, is_superuser: bool = False
) -> User:
    """Register a person. Raises ValidationError (per field) for a taken email,
    an empty name or a password Django's validators refuse."""
    email = User.objects.normalize_email(email)
    name = (name or "").strip()
    user = User(email=email, name=name, is_staff=is_staff, is_superuser=is_superuser)

    errors: dict[str, list[str]] = {}
    if not name:
        errors["name"] = ["Please tell us your name."]
    if User.objects.filter(email=email).exists():
        errors["email"] = [EMAIL_TAKEN]
    try:
        password_validation.validate_password(password, user)
    except ValidationError as exc:
        errors["password"] = list(exc.messages)
    if errors:
        raise ValidationError(errors)

    user.set_password(password)
    try:
        with transaction.atomic():
            user.save(force_insert=True)
    except IntegrityError:
        # Two registrations raced for one address; the database kept one.
        raise ValidationError({"email": [EMAIL_TAKEN]}) from None
    return user


def auth_login(
    *, email: str, password: str, request: HttpRequest | None = None
) -> TokenPair | MfaStep:
    """Check the credentials and issue a token pair, or for an account with an
    enrolled authenticator the signed token of the code step (accounts.services.mfa).

    Unknown email, wrong password and a deactivated account all get the same
    answer, and Django's backend hashes a dummy password for unknown emails so
    the time taken does not tell them apart either."""
    from django.contrib.auth import authenticate

    from accounts.services import mfa

    user = authenticate(request, email=email, password=password)
    if user is None:
        raise InvalidCredentials()
    if mfa.mfa_enrolled(user=user):
        # Not signed in yet: last_login and the lockout's reset wait for the code.
        return {"mfa_required": True, "mfa_token": mfa.mfa_login_token(user=user)}
    if request is not None:
        # A token sign-in is a sign-in: last_login is stamped and the lockout's
        # run of failures for this email and address starts again.
        user_logged_in.send(sender=type(user), request=request, user=user)
    else:
        update_last_login(None, user)
    return auth_tokens_issue(user=user)


def auth_tokens_issue(*, user: User, mfa: bool = False) -> TokenPair:
    """A token pair; `mfa` marks it (and every access token its refresh token mints)
    as issued after a verified second factor (accounts.authentication)."""
    refresh = RefreshToken.for_user(user)
    if mfa:
        refresh[MFA_CLAIM] = True
    return {"access_token": str(refresh.access_token), "refresh_token": str(refresh)}


def auth_tokens_refresh(*, refresh_token: str) -> TokenPair:
    """Rotate a refresh token: the old one is blacklisted and stops working.

    The token's outstanding row is locked first, so concurrent refreshes with one
    token queue up and every one after the first finds it blacklisted: exactly
    one new pair comes out of one refresh token."""
    claims = settings.SIMPLE_JWT
    try:
        with transaction.atomic():
            token = RefreshToken(refresh_token)
            list(OutstandingToken.objects.select_for_update(of=("self",)).filter(jti=token["jti"]))
            token.check_blacklist()
            user_id = token.payload.get(claims["USER_ID_CLAIM"])
            user = User.objects.filter(pk=user_id, is_active=True).only("password").first()
            if user is None:
                raise TokenInvalid()
            # A password change or reset ends every session: its refresh tokens
            # carry the old password's hash (CHECK_REVOKE_TOKEN), and so would the
            # access tokens they mint, which authentication refuses.
            if claims.get("CHECK_REVOKE_TOKEN") and token.payload.get(
                claims.get("REVOKE_TOKEN_CLAIM", "hash_password")
            ) != get_md5_hash_password(user.password):
                raise TokenInvalid()
            access = str(token.access_token)
            token.blacklist()
            token.set_jti()
            token.set_exp()
            token.set_iat()
            token.outstand()
            return {"access_token": access, "refresh_token": str(token)}
    except (TokenError, ValidationError, ValueError) as exc:
        raise TokenInvalid() from exc


def auth_logout(*, user: User, refresh_token: str) -> None:
    """Revoke one refresh token of the caller's."""
    try:
        token = RefreshToken(refresh_token)
    except TokenError as exc:
        raise TokenInvalid() from exc
    if str(token.payload.get(settings.SIMPLE_JWT["USER_ID_CLAIM"])) != str(user.pk):
        raise TokenNotYours()
    token.blacklist()
