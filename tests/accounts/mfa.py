"""Helpers of the second-factor tests: enrol someone, make the code an app would show."""

import time

from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.services import mfa


def code_at(device: TOTPDevice, when: float | None = None) -> str:
    """The code an authenticator app shows at `when` (default: now, frozen or not)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() if when is None else when
    return f"{totp.token():0{device.digits}d}"


def enrol(user) -> tuple[TOTPDevice, list[str]]:
    """Enrol `user` through the service, as the enrolment page does. The code used
    here is spent: a sign-in in the same 30 seconds needs the next one."""
    device = mfa.mfa_enrol_start(user=user)
    device, codes = mfa.mfa_enrol_confirm(user=user, code=code_at(device))
    return device, codes
