"""Zakat cases and zakat funds, built through the services."""

import itertools
from decimal import Decimal

from accounts.models import LedgerTransaction
from accounts.services import Leg, fitr_fund_account, ledger_post, wallet_get_or_create
from distribution import services
from distribution.models import ZakatCase
from tests.factories import UserFactory, fund_wallet
from tests.staff.factories import staff_with
from zakat import services as zakat_services

_payers = itertools.count(1)


def fund_zakat(amount: str) -> None:
    """Someone pays `amount` of zakat into the zakat fund (wealth: 40 times `amount`)."""
    payer = UserFactory()
    fund_wallet(payer, amount)
    record = zakat_services.zakat_record_create(
        payer=payer,
        payer_id=f"payer-{next(_payers):04d}",
        wealth_amount=Decimal(amount) * 40,
        nisab_threshold=Decimal("1.00"),
    )
    zakat_services.zakat_payment_create(record=record, payer=payer)


def fund_fitr(amount: str) -> None:
    """Zakat al-fitr paid into its fund (the fitr payment service lives elsewhere)."""
    payer = UserFactory()
    fund_wallet(payer, amount)
    ledger_post(
        kind=LedgerTransaction.Kind.ZAKAT_PAYMENT,
        legs=[
            Leg(wallet_get_or_create(user=payer), -Decimal(amount)),
            Leg(fitr_fund_account(), Decimal(amount)),
        ],
        reference="Zakat al-fitr",
        created_by=payer,
    )


def officer():
    return staff_with("zakat_officer")


def finance():
    return staff_with("finance")


def submitted_case(applicant=None, amount: str = "500.00", **fields) -> ZakatCase:
    return services.zakat_case_submit(
        by=applicant or UserFactory(),
        household_size=fields.pop("household_size", 4),
        monthly_income=fields.pop("monthly_income", Decimal("200.00")),
        need_description=fields.pop("need_description", "Rent arrears"),
        amount_requested=Decimal(amount),
        **fields,
    )


def approved_case(
    applicant=None, *, approved: str = "300.00", category: str = "fuqara", by=None
) -> ZakatCase:
    return services.zakat_case_approve(
        case=submitted_case(applicant),
        by=by or officer(),
        asnaf_category=category,
        approved_amount=Decimal(approved),
    )
