"""PDF receipts and yearly statements: who may have them and what they say."""

import io

import pytest
from django.utils import timezone
from pypdf import PdfReader

from campaigns import services as campaign_services
from campaigns.models import Donation
from tests.campaigns.factories import funded_donor, make_campaign
from tests.factories import fund_wallet
from tests.zakat.factories import ZakatRecordFactory
from zakat import services as zakat_services

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def institution(settings):
    settings.INSTITUTION_NAME = "Al-Amanah Zakat Foundation"
    settings.INSTITUTION_ADDRESS = "12 Mosque Lane, Springfield"
    settings.INSTITUTION_REGISTRATION_NUMBER = "CH-448812"


def pdf_text(response) -> str:
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    return "\n".join(page.extract_text() for page in reader.pages)


def donate(donor, amount="25.00", **kwargs):
    return campaign_services.donation_create(
        donor=donor,
        campaign=kwargs.pop("campaign", None) or make_campaign(),
        amount=amount,
        **kwargs,
    )


def test_donation_receipt_pdf_names_number_amount_and_institution(auth_client):
    fund_wallet(auth_client.user, "100.00")
    donation = donate(auth_client.user, "42.50")

    text = pdf_text(auth_client.get(f"/api/v1/donations/{donation.pk}/receipt.pdf"))

    donation.refresh_from_db()  # the PDF issued its number
    assert donation.receipt_label.startswith("DN-")
    assert donation.receipt_label in text
    assert "42.50" in text
    assert "Al-Amanah Zakat Foundation" in text
    assert "12 Mosque Lane, Springfield" in text
    assert "CH-448812" in text
    assert auth_client.user.email in text


def test_receipt_numbers_are_gap_free_and_a_failed_donation_takes_none(auth_client):
    fund_wallet(auth_client.user, "30.00")
    campaign = make_campaign()
    first = donate(auth_client.user, "10.00", campaign=campaign)
    with pytest.raises(Exception):  # noqa: B017, PT011 - the short wallet's 402
        donate(auth_client.user, "500.00", campaign=campaign)
    second = donate(auth_client.user, "10.00", campaign=campaign)
    campaign_services.donation_receipts_issue()
    first.refresh_from_db()
    second.refresh_from_db()

    assert second.receipt_number == first.receipt_number + 1
    assert second.receipt_label == f"DN-{second.receipt_number:06d}"


def test_zakat_and_fitr_receipt_pdfs(auth_client):
    user = auth_client.user
    fund_wallet(user, "1000.00")
    payment = zakat_services.zakat_payment_create(record=ZakatRecordFactory(payer=user), payer=user)

    text = pdf_text(auth_client.get(f"/api/v1/zakat/payments/{payment.pk}/receipt.pdf"))

    assert payment.receipt_label in text
    assert "250.00" in text
    assert "Al-Amanah Zakat Foundation" in text


def test_others_are_403_staff_may_read_anonymous_401(
    auth_client, other_user, staff_client, api_client
):
    fund_wallet(other_user, "100.00")
    donation = donate(other_user)
    url = f"/api/v1/donations/{donation.pk}/receipt.pdf"

    refused = auth_client.get(url)
    assert refused.status_code == 403
    assert refused.json()["error"] == "permission_denied"
    assert staff_client.get(url).status_code == 200
    assert api_client.get(url).status_code == 401
    missing = auth_client.get("/api/v1/donations/00000000-0000-4000-8000-000000000000/receipt.pdf")
    assert missing.status_code == 404
    assert missing.json()["error"] == "not_found"


def test_zakat_receipt_of_someone_else_is_403(auth_client, other_user):
    fund_wallet(other_user, "1000.00")
    payment = zakat_services.zakat_payment_create(
        record=ZakatRecordFactory(payer=other_user), payer=other_user
    )
    assert auth_client.get(f"/api/v1/zakat/payments/{payment.pk}/receipt.pdf").status_code == 403


def test_a_pdf_is_served_whatever_the_client_accepts(auth_client):
    fund_wallet(auth_client.user, "100.00")
    donation = donate(auth_client.user)
    response = auth_client.get(
        f"/api/v1/donations/{donation.pk}/receipt.pdf", HTTP_ACCEPT="application/pdf"
    )
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF")


def test_statement_lists_the_years_giving_with_totals(auth_client):
    user = auth_client.user
    fund_wallet(user, "1000.00")
    campaign = make_campaign(name="Clean water wells")
    donate(user, "10.00", campaign=campaign)
    donate(user, "15.25", campaign=campaign)
    donate(user, "99.00", campaign=campaign)
    zakat_services.zakat_payment_create(record=ZakatRecordFactory(payer=user), payer=user)
    year = timezone.localdate().year

    text = pdf_text(auth_client.get(f"/api/v1/statements/{year}.pdf"))

    assert f"Giving statement {year}" in text
    assert "Clean water wells" in text
    assert "124.25" in text  # the year's sadaqah
    assert "250.00" in text  # the zakat payment
    assert "374.25" in text  # everything given
    assert "Al-Amanah Zakat Foundation" in text
    # Each row names its receipt: the numbers not issued yet were issued for it.
    labels = [d.receipt_label for d in Donation.objects.filter(donor=user)]
    assert all(label.startswith("DN-") for label in labels)
    assert all(label in text for label in labels)


def test_a_statement_shows_only_my_giving(auth_client, other_user):
    fund_wallet(other_user, "100.00")
    donate(other_user, "77.00", campaign=make_campaign(name="Someone else's cause"))
    year = timezone.localdate().year

    text = pdf_text(auth_client.get(f"/api/v1/statements/{year}.pdf"))

    assert "Someone else's cause" not in text
    assert "Nothing was given this year." in text


@pytest.mark.parametrize("year", ["1999", "3000", "20x6", "0", "99999"])
def test_a_year_out_of_range_is_400(auth_client, year):
    response = auth_client.get(f"/api/v1/statements/{year}.pdf")
    assert response.status_code == 400
    assert response.json()["error"] == "validation_error"
    assert "year" in response.json()["details"]


def test_statement_needs_sign_in(api_client):
    assert api_client.get(f"/api/v1/statements/{timezone.localdate().year}.pdf").status_code == 401


def test_existing_donations_are_numbered_by_the_migration():
    """The migration's backfill numbers donations in the order they were made and
    starts the counter after the last one."""
    import importlib

    from django.apps import apps

    from campaigns.models import DonationReceiptCounter

    backfill = importlib.import_module("campaigns.migrations.0004_donation_receipt_numbers")
    donor = funded_donor()
    campaign = make_campaign()
    donations = [donate(donor, "1.00", campaign=campaign) for _ in range(3)]
    for offset, donation in enumerate(reversed(donations)):
        Donation.objects.filter(pk=donation.pk).update(receipt_number=900 + offset)

    backfill.number_existing(apps, None)

    numbers = [Donation.objects.get(pk=d.pk).receipt_number for d in donations]
    assert numbers == [1, 2, 3]
    assert DonationReceiptCounter.objects.get(name="donation_receipt").value == 3
    latest = donate(donor, "1.00", campaign=campaign)
    campaign_services.donation_receipts_issue()
    latest.refresh_from_db()
    assert latest.receipt_number == 4


def test_fitr_receipt_pdf(auth_client, staff_user):
    from tests.helpers import fitr_payment_this_season

    fund_wallet(auth_client.user, "100.00")
    payment = fitr_payment_this_season(auth_client.user, by=staff_user)

    text = pdf_text(auth_client.get(f"/api/v1/zakat/fitr/payments/{payment.pk}/receipt.pdf"))

    assert payment.receipt_label in text
    assert f"{payment.amount:.2f}" in text
