"""Demo data of the payouts app for `make run` (called by seed_demo; must be idempotent).

Uses the demo donors made by seed_demo (no users are created here): Amina has a
saved bank account (a well-known test IBAN) and one small withdrawal to it."""

from decimal import Decimal

from accounts.models import User
from payouts import services
from payouts.models import PayoutAccount

# The IBAN standard's own example (a German test account): valid, never a real person's.
DEMO_IBAN = "DE89370400440532013000"


def seed(*, stdout) -> None:
    amina = User.objects.filter(email="amina@ose.example").first()
    if amina is None or PayoutAccount.objects.filter(owner=amina).exists():
        return
    account = services.payout_account_create(
        owner=amina, holder_name=amina.name, iban_value=DEMO_IBAN
    )
    services.withdrawal_create(user=amina, amount=Decimal("50.00"), payout_account=account)
    stdout.write("  Payouts: Amina's bank account and a 50.00 withdrawal to it.")
