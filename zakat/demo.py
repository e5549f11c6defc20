"""Demo data of the zakat app for `make run` (called by seed_demo; must be idempotent)."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from accounts import services as accounts_services
from accounts.models import User
from zakat import calculation, selectors, services
from zakat.models import ZakatRecord

DEMO_DONOR = "amina@ose.example"
DEMO_STAFF = "staff@ose.example"


def seed(*, stdout) -> None:
    if selectors.metal_price_current() is None:
        services.metal_price_create(
            gold_price_per_gram=Decimal("93.40"),
            silver_price_per_gram=Decimal("1.05"),
            as_of=timezone.now() - timedelta(days=30),
        )
        services.metal_price_create(
            gold_price_per_gram=Decimal("95.00"), silver_price_per_gram=Decimal("1.10")
        )
        stdout.write("  Zakat: metal prices gold 95.00/g, silver 1.10/g (manual).")

    staff = User.objects.filter(email=DEMO_STAFF).first()
    if staff is not None and selectors.fitr_season().rate is None:
        year = selectors.fitr_current_year()
        services.fitr_rate_set(hijri_year=year, amount_per_person=Decimal("12.50"), by=staff)
        stdout.write(f"  Zakat: zakat al-fitr {year} AH at 12.50 per person.")

    donor = User.objects.filter(email=DEMO_DONOR).first()
    if donor is None or ZakatRecord.objects.filter(payer=donor).exists():
        return
    services.zakat_record_create_itemized(
        payer=donor,
        assets=calculation.Assets(
            cash=Decimal("9500.00"), gold_grams=Decimal("20"), investments=Decimal("2500.00")
        ),
        liabilities=calculation.Liabilities(short_term_debts=Decimal("1200.00")),
        nisab_standard=calculation.SILVER,
    )
    paid = services.zakat_record_create(
        payer=donor,
        payer_id=DEMO_DONOR,
        wealth_amount=Decimal("6000.00"),
        nisab_threshold=Decimal("654.50"),
    )
    # Paid from a top-up of exactly its amount, so the demo wallet keeps its opening
    # balance (tests/config checks it) while the demo still shows a receipt.
    accounts_services.top_up_create(user=donor, amount=paid.zakat_amount)
    services.zakat_payment_create(record=paid, payer=donor)
    services.hawl_set(user=donor, start_date=timezone.localdate() - timedelta(days=300))
    stdout.write(f"  Zakat: records, a paid receipt and a hawl date for {DEMO_DONOR}.")
