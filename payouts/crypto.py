"""Bank details at rest: encrypted with Fernet, looked up by a keyed hash, shown masked.

FIELD_ENCRYPTION_KEY holds one or more Fernet keys, newest first. The newest
encrypts; every key decrypts (MultiFernet), so a key can be rotated in without
downtime and the old one dropped once `manage.py rotate_payout_keys` has
re-encrypted every row (README, "Rotating the encryption key"). Without the
setting (development, tests) the key is derived from SECRET_KEY; `check
--deploy` refuses that with DEBUG off.

The keyed hash (HMAC-SHA256 under a key derived from the newest Fernet key)
lets the database enforce "one person saves an IBAN once" without ever
holding the IBAN in clear; the rotation command recomputes it.
"""

import base64
import hashlib
import hmac
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


def _derived_key() -> str:
    digest = hashlib.sha256(b"ose-field-encryption:" + settings.SECRET_KEY.encode()).digest()
    return base64.urlsafe_b64encode(digest).decode()


def configured_keys() -> tuple[str, ...]:
    """The Fernet keys in force, newest first."""
    keys = tuple(k.strip() for k in settings.FIELD_ENCRYPTION_KEY if k.strip())
    return keys or (_derived_key(),)


@cache
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key.encode()) for key in keys])


def fernet() -> MultiFernet:
    return _fernet(configured_keys())


def encrypt(value: str) -> str:
    return fernet().encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    return fernet().decrypt(token.encode()).decode()


def rotate(token: str) -> str:
    """The same secret encrypted under the newest key."""
    return fernet().rotate(token.encode()).decode()


def keyed_hash(value: str) -> str:
    key = hashlib.sha256(b"ose-field-hash:" + configured_keys()[0].encode()).digest()
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()


def keys_valid() -> str | None:
    """None when every configured key is a Fernet key, else what is wrong."""
    try:
        _fernet(configured_keys())
    except (ValueError, TypeError) as exc:
        return str(exc)
    return None


__all__ = ["InvalidToken", "decrypt", "encrypt", "fernet", "keyed_hash", "rotate"]
