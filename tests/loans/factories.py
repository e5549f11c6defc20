"""Loans and contracts in each state, made through the services (never by hand)."""

from decimal import Decimal

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


def offered_contract(customer, markup="200.00", staff=None, **kwargs) -> MurabahaContract:
    staff = staff or UserFactory(is_staff=True)
    contract = requested_contract(customer, **kwargs)
    services.murabaha_acquire(contract=contract, by=staff)
    return services.murabaha_offer(contract=contract, markup_amount=Decimal(markup), by=staff)


def active_contract(customer, markup="200.00", **kwargs) -> MurabahaContract:
    contract = offered_contract(customer, markup=markup, **kwargs)
    fund_wallet(customer, contract.down_payment + Decimal("1000.00"))
    return services.murabaha_accept(contract=contract, by=customer)
