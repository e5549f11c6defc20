"""Zakat disbursements under concurrent writers, on PostgreSQL: never more than the
case's approved amount, never more than the fund holds, never past the amilin cap."""

from collections import Counter
from decimal import Decimal

import pytest

from accounts.services import ledger_verify, zakat_fund_account
from distribution import services
from distribution.models import ZakatCase, ZakatDisbursement
from staff.models import Approval
from staff.services.approvals import approval_approve
from tests.concurrency import run_together
from tests.distribution.factories import approved_case, finance, fund_zakat, officer, submitted_case

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _paid(case) -> Decimal:
    return sum(
        ZakatDisbursement.objects.filter(case=case).values_list("amount", flat=True), Decimal(0)
    )


def test_twenty_concurrent_approvals_on_one_case_never_pay_more_than_approved():
    fund_zakat("1000.00")
    case = approved_case(approved="100.00")
    maker = officer()
    checkers = [finance() for _ in range(4)]
    requests = [
        services.zakat_disbursement_request(case=case, by=maker, amount="10.00", method="wallet")
        for _ in range(20)
    ]
    ids = [outcome.approval.pk for outcome in requests]

    results = run_together(
        20,
        lambda i: approval_approve(approval=Approval.objects.get(pk=ids[i]), by=checkers[i % 4]),
    )

    outcomes = Counter(type(r).__name__ for r in results)
    # Once fully paid the case is `disbursed`, so the late ones find it so.
    assert outcomes["Approval"] == 10, outcomes
    assert set(outcomes) <= {"Approval", "ExceedsApprovedAmount", "InvalidTransition"}
    case.refresh_from_db()
    assert case.status == "disbursed"
    assert case.disbursed_amount == _paid(case) == Decimal("100.00")
    assert zakat_fund_account().balance == Decimal("900.00")
    assert Approval.objects.filter(status="pending").count() == 10
    assert ledger_verify().problems == []


def test_twenty_concurrent_disbursements_never_pay_more_than_the_fund_holds():
    fund_zakat("55.00")
    maker = officer()
    cases = [approved_case(approved="10.00") for _ in range(20)]

    results = run_together(
        20,
        lambda i: services.zakat_disbursement_execute(
            case=ZakatCase.objects.get(pk=cases[i].pk),
            by=maker,
            amount=Decimal("10.00"),
            method="wallet",
        ),
    )

    outcomes = Counter(type(r).__name__ for r in results)
    assert outcomes == {"ZakatDisbursement": 5, "InsufficientFunds": 15}, outcomes
    assert zakat_fund_account().balance == Decimal("5.00")
    assert ZakatDisbursement.objects.count() == 5
    assert ledger_verify().problems == []


def test_concurrent_amilin_payments_on_many_cases_stay_within_the_cap():
    fund_zakat("1000.00")  # cap 125.00
    maker = officer()
    cases = [approved_case(approved="10.00", category="amilin") for _ in range(20)]

    results = run_together(
        20,
        lambda i: services.zakat_disbursement_execute(
            case=ZakatCase.objects.get(pk=cases[i].pk),
            by=maker,
            amount=Decimal("10.00"),
            method="external",
        ),
    )

    outcomes = Counter(type(r).__name__ for r in results)
    assert outcomes == {"ZakatDisbursement": 12, "AmilShareExceeded": 8}, outcomes
    paid = ZakatDisbursement.objects.filter(category="amilin")
    assert sum(paid.values_list("amount", flat=True)) == Decimal("120.00")


def test_twenty_concurrent_decisions_on_one_case_take_effect_once():
    case = submitted_case()
    officers = [officer() for _ in range(4)]

    results = run_together(
        20,
        lambda i: (
            services.zakat_case_approve(
                case=ZakatCase.objects.get(pk=case.pk),
                by=officers[i % 4],
                asnaf_category="fuqara",
                approved_amount=Decimal(10 + i),
            )
            if i % 2
            else services.zakat_case_reject(
                case=ZakatCase.objects.get(pk=case.pk), by=officers[i % 4], reason="No"
            )
        ),
    )

    outcomes = Counter(type(r).__name__ for r in results)
    assert outcomes == {"ZakatCase": 1, "InvalidTransition": 19}, outcomes
