"""A code counts once even when it arrives many times at the same instant (PostgreSQL:
real threads, one connection each; the device and recovery-code rows are locked)."""

import time
from collections import Counter

import pytest

from accounts.services import mfa
from tests.accounts.mfa import code_at, enrol
from tests.concurrency import run_together
from tests.staff.factories import staff_with

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 12


def _outcomes(results) -> Counter:
    return Counter(type(result).__name__ for result in results)


def test_one_totp_code_sent_at_once_many_times_signs_in_once():
    user = staff_with("finance")
    device, _ = enrol(user)
    code = code_at(device, time.time() + 30)  # the next step: enrolment spent this one

    results = run_together(THREADS, lambda _: mfa.mfa_verify(user=user, code=code))

    assert _outcomes(results) == {"TOTPDevice": 1, "InvalidCode": THREADS - 1}


def test_one_recovery_code_sent_at_once_many_times_works_once():
    user = staff_with("finance")
    _, codes = enrol(user)

    results = run_together(THREADS, lambda _: mfa.mfa_verify(user=user, code=codes[0]))

    assert _outcomes(results) == {"TOTPDevice": 1, "InvalidCode": THREADS - 1}
    assert mfa.recovery_codes_left(user=user) == 9
