"""Demo data of the loans app for `make run` (called by seed_demo; must be idempotent).

Uses the demo donors made by seed_demo (no users are created here): Amina has an
active loan with one repayment, Bilal a pending application, Khadija a murabaha
offer waiting for her decision. Each piece is made only when missing."""

from decimal import Decimal

from django.utils import timezone

from accounts.models import User
from loans import services
from loans.models import Loan, MurabahaContract


def seed(*, stdout) -> None:
    staff = User.objects.filter(email="staff@ose.example").first()
    amina = User.objects.filter(email="amina@ose.example").first()
    bilal = User.objects.filter(email="bilal@ose.example").first()
    khadija = User.objects.filter(email="khadija@ose.example").first()
    if not all((staff, amina, bilal, khadija)):
        return

    if not Loan.objects.filter(borrower=amina).exists():
        loan = services.loan_apply(
            borrower=amina,
            principal_amount=Decimal("1200.00"),
            purpose="A sewing machine and fabric to restart my tailoring work",
            repayment_months=12,
        )
        services.loan_approve(loan=loan, by=staff)
        services.loan_disburse(loan=loan, by=staff)
        services.loan_repay(loan=loan, amount=Decimal("100.00"), by=amina)
    if not Loan.objects.filter(borrower=bilal).exists():
        services.loan_apply(
            borrower=bilal,
            principal_amount=Decimal("3000.00"),
            purpose="Tuition for the final year of my nursing diploma",
            repayment_months=24,
        )
    if not MurabahaContract.objects.filter(customer=khadija).exists():
        contract = services.murabaha_request(
            customer=khadija,
            asset_description="Commercial oven for a home bakery",
            cost_price=Decimal("2400.00"),
            installments_count=12,
            down_payment=Decimal("200.00"),
        )
        services.murabaha_acquire(
            contract=contract,
            by=staff,
            supplier_name="Bakery Equipment Trading Co.",
            actual_cost=Decimal("2350.00"),
            invoice_reference="BET-2026-1187",
            possession_date=timezone.localdate(),
        )
        services.murabaha_offer(contract=contract, markup_amount=Decimal("180.00"), by=staff)
    stdout.write(
        "  Financing: an active loan (Amina), a pending application (Bilal), "
        "a murabaha offer awaiting acceptance (Khadija)."
    )
