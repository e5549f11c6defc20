"""The pages: my bank accounts, withdraw, and the campaign's "paid out so far"."""

from decimal import Decimal

import pytest

from accounts import selectors as account_selectors
from payouts.models import Payout, PayoutAccount
from tests.campaigns.factories import make_campaign
from tests.factories import UserFactory
from tests.payouts.factories import IBAN, OTHER_IBAN, funded_user, payout_account

pytestmark = pytest.mark.django_db


def test_the_pages_ask_anonymous_visitors_to_sign_in(client):
    for url in ("/wallet/withdraw/", "/wallet/payout-accounts/"):
        response = client.get(url)
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]


def test_a_bad_iban_is_an_inline_error_and_is_not_sent_back(client):
    user = UserFactory()
    client.force_login(user)

    response = client.post(
        "/wallet/payout-accounts/", {"holder_name": "Amina", "iban": "DE89370400440532013001"}
    )

    assert response.status_code == 200
    assert "check digits do not match" in response.content.decode()
    assert "DE89370400440532013001" not in response.content.decode()
    assert PayoutAccount.objects.count() == 0


def test_a_large_withdrawal_on_the_page_waits_for_finance(client):
    user, account = funded_user("2000.00")
    client.force_login(user)

    response = client.post(
        "/wallet/withdraw/", {"amount": "1500.00", "payout_account": str(account.pk)}, follow=True
    )

    assert "approves withdrawals above the limit" in response.content.decode()
    assert Payout.objects.get().status == "pending_approval"
    assert account_selectors.wallet_balance(user=user) == Decimal("500.00")
    assert "Pending approval" in response.content.decode()
    assert IBAN not in response.content.decode()


def test_a_short_wallet_is_an_inline_error_on_the_page(client):
    user, account = funded_user("20.00")
    client.force_login(user)

    response = client.post(
        "/wallet/withdraw/", {"amount": "25.00", "payout_account": str(account.pk)}
    )

    assert response.status_code == 200
    assert "less than 25.00" in response.content.decode()
    assert Payout.objects.count() == 0


def test_nobody_removes_someone_elses_bank_account_on_the_page(client):
    theirs = payout_account(UserFactory(), iban=OTHER_IBAN)
    client.force_login(UserFactory())

    response = client.post(f"/wallet/payout-accounts/{theirs.pk}/delete/")

    assert response.status_code == 403
    assert PayoutAccount.objects.filter(pk=theirs.pk, deleted_at__isnull=True).exists()


def test_the_campaign_page_shows_what_was_paid_out(client):
    campaign = make_campaign()

    response = client.get(f"/campaigns/{campaign.pk}/")

    assert "Paid out so far" in response.content.decode()
