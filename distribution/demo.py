"""Demo data of zakat distribution for `make run` (called by seed_demo; idempotent).

Uses the demo donors made by seed_demo: Bilal has a submitted application and
Khadija an approved one (fuqara) waiting to be paid. Made only when missing."""

from decimal import Decimal

from accounts.models import User
from distribution import services
from distribution.models import ZakatCase


def seed(*, stdout) -> None:
    staff = User.objects.filter(email="staff@ose.example").first()
    bilal = User.objects.filter(email="bilal@ose.example").first()
    khadija = User.objects.filter(email="khadija@ose.example").first()
    if not all((staff, bilal, khadija)):
        return
    if not ZakatCase.objects.filter(applicant=bilal).exists():
        services.zakat_case_submit(
            by=bilal,
            household_size=5,
            monthly_income=Decimal("300.00"),
            need_description="Rent arrears after an injury kept me from work for two months",
            amount_requested=Decimal("900.00"),
        )
    if not ZakatCase.objects.filter(applicant=khadija).exists():
        case = services.zakat_case_submit(
            by=khadija,
            household_size=3,
            monthly_income=Decimal("150.00"),
            need_description="School fees and winter clothes for two children",
            amount_requested=Decimal("400.00"),
        )
        services.zakat_case_approve(
            case=case, by=staff, asnaf_category="fuqara", approved_amount=Decimal("350.00")
        )
    stdout.write("  Zakat distribution: one application to decide, one approved case to pay.")
