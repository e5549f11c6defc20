"""A money-moving page form sent twice moves money once: every such form carries
a one-time token, and a repeat (a double click, a resent POST, two at once)
does nothing and shows the first result."""

import re
from decimal import Decimal

import pytest
from django.test import Client

from accounts.models import TopUp
from campaigns.models import Donation
from config.formtokens import ALREADY_DONE
from loans.models import Installment
from tests.campaigns.factories import funded_donor, make_campaign
from tests.concurrency import run_together
from tests.factories import fund_wallet
from tests.loans.factories import active_contract, active_loan
from tests.zakat.factories import ZakatRecordFactory
from zakat.models import ZakatPayment

TOKEN = re.compile(r'name="form_token" value="([^"]+)"')


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def token_on(client: Client, path: str) -> str:
    page = client.get(path)
    assert page.status_code == 200
    found = TOKEN.findall(page.content.decode())
    assert found, f"no form token on {path}"
    return found[-1]


def post_twice(client, path, data):
    token = token_on(client, path)
    first = client.post(path, {**data, "form_token": token})
    again = client.post(path, {**data, "form_token": token}, follow=True)
    assert first.status_code == 302, first.content[:500]
    assert again.redirect_chain[0][0] == first["Location"]
    assert ALREADY_DONE in again.content.decode()
    return first


@pytest.mark.django_db
def test_donate_twice_gives_once():
    donor = funded_donor("100.00")
    campaign = make_campaign()
    client = signed_in(donor)

    post_twice(client, f"/campaigns/{campaign.pk}/donate/", {"amount": "10.00"})

    assert Donation.objects.filter(donor=donor).count() == 1


@pytest.mark.django_db
def test_a_new_token_gives_again():
    donor = funded_donor("100.00")
    campaign = make_campaign()
    client = signed_in(donor)
    path = f"/campaigns/{campaign.pk}/donate/"
    for _ in range(2):
        client.post(path, {"amount": "10.00", "form_token": token_on(client, path)})
    assert Donation.objects.filter(donor=donor).count() == 2


@pytest.mark.django_db
def test_a_refused_form_keeps_its_token_usable():
    donor = funded_donor("100.00")
    campaign = make_campaign()
    client = signed_in(donor)
    path = f"/campaigns/{campaign.pk}/donate/"
    token = token_on(client, path)

    shown_again = client.post(path, {"amount": "-1", "form_token": token})
    done = client.post(path, {"amount": "10.00", "form_token": token})

    assert shown_again.status_code == 200
    assert done.status_code == 302
    assert Donation.objects.filter(donor=donor).count() == 1


@pytest.mark.django_db
def test_top_up_twice_charges_once(user):
    client = signed_in(user)
    post_twice(client, "/wallet/", {"amount": "25.00"})
    assert TopUp.objects.filter(user=user).count() == 1


@pytest.mark.django_db
def test_zakat_pay_twice_pays_once(user):
    fund_wallet(user, "1000.00")
    record = ZakatRecordFactory(payer=user)
    client = signed_in(user)
    post_twice(client, f"/zakat/records/{record.pk}/pay/", {})
    assert ZakatPayment.objects.filter(record=record).count() == 1


@pytest.mark.django_db
def test_loan_repayment_twice_repays_once(user):
    loan = active_loan(user)
    fund_wallet(user, "500.00")
    client = signed_in(user)
    post_twice(client, f"/loans/{loan.pk}/", {"amount": "100.00"})
    paid = sum(i.paid_amount for i in Installment.objects.filter(loan=loan))
    assert paid == Decimal("100.00")


@pytest.mark.django_db
def test_murabaha_payment_twice_pays_once(user):
    contract = active_contract(user)
    fund_wallet(user, "500.00")
    client = signed_in(user)
    post_twice(client, f"/murabaha/{contract.pk}/", {"amount": "50.00"})
    contract.refresh_from_db()
    assert contract.paid_amount == Decimal("50.00")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_posts_make_one_donation():
    donor = funded_donor("100.00")
    campaign = make_campaign()
    path = f"/campaigns/{campaign.pk}/donate/"
    token = token_on(signed_in(donor), path)
    clients = [signed_in(donor) for _ in range(4)]

    results = run_together(
        4, lambda i: clients[i].post(path, {"amount": "10.00", "form_token": token})
    )

    assert [getattr(r, "status_code", r) for r in results] == [302] * 4
    assert len({r["Location"] for r in results}) == 1
    assert Donation.objects.filter(donor=donor).count() == 1
