"""Loans and contracts in each state, made through the services (never by hand)."""

from decimal import Decimal

from django.utils import timezone

from loans import services
from loans.models import Loan, MurabahaContract
from tests.factories import UserFactory, fund_wallet


def pending_loan(borrower, principal="1200.00", months=12, purpose="Tools for my workshop") -> Loan:
    return services.loan_apply(
        borrower=borrower,
        principal_amount=Decimal(principal),
        purpose=purpose,
        repayment_months=months,
    )


def active_loan(borrower, principal="1200.00", months=12, staff=None) -> Loan:
    staff = staff or UserFactory(is_staff=True)
    loan = pending_loan(borrower, principal, months)
    services.loan_approve(loan=loan, by=staff)
    return services.loan_disburse(loan=loan, by=staff)


def requested_contract(customer, cost="1000.00", count=4, down="100.00") -> MurabahaContract:
    return services.murabaha_request(
        customer=customer,
        asset_description="Delivery bicycle",
        cost_price=Decimal(cost),
        installments_count=count,
        down_payment=Decimal(down),
    )


def purchase(cost="1000.00", supplier="Cycle Wholesale Ltd", **changes) -> dict:
    """The facts of a real purchase from a third party, for murabaha_acquire(_request)."""
    return {
        "supplier_name": supplier,
        "actual_cost": Decimal(cost),
        "invoice_reference": "INV-2026-0042",
        "possession_date": timezone.localdate(),
        **changes,
    }


def purchase_body(cost="1000.00", **changes) -> dict:
    """The same facts as a JSON body for POST .../acquire."""
    facts = purchase(cost, **changes)
    return {
        **facts,
        "actual_cost": str(facts["actual_cost"]),
        "possession_date": facts["possession_date"].isoformat(),
    }


def acquired_contract(customer, staff=None, **kwargs) -> MurabahaContract:
    staff = staff or UserFactory(is_staff=True)
    contract = requested_contract(customer, **kwargs)
    return services.murabaha_acquire(
        contract=contract, by=staff, **purchase(kwargs.get("cost", "1000.00"))
    )


def offered_contract(
    customer, markup="200.00", staff=None, charity="0", **kwargs
) -> MurabahaContract:
    staff = staff or UserFactory(is_staff=True)
    contract = acquired_contract(customer, staff=staff, **kwargs)
    return services.murabaha_offer(
        contract=contract,
        markup_amount=Decimal(markup),
        by=staff,
        late_charity_percent=Decimal(charity),
    )


def active_contract(customer, markup="200.00", **kwargs) -> MurabahaContract:
    contract = offered_contract(customer, markup=markup, **kwargs)
    fund_wallet(customer, contract.down_payment + Decimal("1000.00"))
    return services.murabaha_accept(contract=contract, by=customer)
