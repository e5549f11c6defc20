"""JWT authentication that tells whether the token carries the second factor.

A token pair issued after a verified code (accounts.services.mfa) carries the
claim `mfa: true`; the refresh token passes it on to every access token it
mints. The user this class returns answers `is_verified()` like a session
user does under django-otp's middleware, so the one gate of staff work
(staff.permissions) reads a token and a session the same way.
"""

from functools import partial

from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from rest_framework_simplejwt import authentication

MFA_CLAIM = "mfa"


def _claimed(token) -> bool:
    return bool(token.get(MFA_CLAIM, False))


class JWTAuthentication(authentication.JWTAuthentication):
    def authenticate(self, request):
        result = super().authenticate(request)
        if result is None:
            return None
        user, token = result
        user.otp_device = None
        user.is_verified = partial(_claimed, token)
        return user, token


class JWTScheme(SimpleJWTScheme):
    """The OpenAPI security scheme of this class: simplejwt's bearer scheme."""

    target_class = "accounts.authentication.JWTAuthentication"
