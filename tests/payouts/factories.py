from decimal import Decimal

from payouts import services
from tests.factories import UserFactory, fund_wallet

IBAN = "DE89370400440532013000"
IBAN_SPACED = "DE89 3704 0044 0532 0130 00"
OTHER_IBAN = "GB82WEST12345698765432"


def payout_account(owner, iban: str = IBAN, holder: str = "Amina Yusuf"):
    return services.payout_account_create(owner=owner, holder_name=holder, iban_value=iban)


def funded_user(amount: str = "500.00"):
    """A user whose wallet holds `amount`, topped up by another person's service
    (a sandbox top-up), with a saved bank account."""
    user = UserFactory()
    fund_wallet(user, Decimal(amount))
    return user, payout_account(user)
