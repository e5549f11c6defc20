"""Control characters in single-line text are refused everywhere (API, pages,
admin/model validation), and e-mail subjects are always one safe line: a CR/LF
campaign name used to be accepted and then break every receipt e-mail."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from campaigns import services as campaign_services
from campaigns.models import Campaign
from config.validators import email_subject, multi_line, single_line
from tests.campaigns.factories import funded_donor, make_campaign

pytestmark = pytest.mark.django_db

HEADER_INJECTION = "Winter blankets\r\nBcc: everyone@example.org"


def campaign_body(**overrides):
    today = timezone.localdate()
    return {
        "name": "Winter blankets",
        "description": "Warm blankets.\nFor families.",
        "target_amount": "1000.00",
        "start_date": str(today),
        "end_date": str(today + timedelta(days=30)),
        **overrides,
    }


@pytest.mark.parametrize(
    "bad", [HEADER_INJECTION, "Tab\there", "Nul\x00", "Sep\u2028arator", "Del\x7f"]
)
def test_api_refuses_control_characters_in_a_name(auth_client, bad):
    response = auth_client.post("/api/v1/campaigns", campaign_body(name=bad), format="json")

    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "validation_error"
    assert "name" in body["details"]
    assert not Campaign.objects.exists()


def test_api_keeps_newlines_in_multi_line_text(auth_client):
    response = auth_client.post("/api/v1/campaigns", campaign_body(), format="json")
    assert response.status_code == 201, response.content

    refused = auth_client.post(
        "/api/v1/campaigns", campaign_body(description="bell\x07"), format="json"
    )
    assert refused.status_code == 400
    assert "description" in refused.json()["details"]


def test_page_form_refuses_a_line_break_in_a_name(user):
    client = Client()
    client.force_login(user)
    body = campaign_body(name=HEADER_INJECTION)
    response = client.post("/campaigns/new/", body)

    assert response.status_code == 200
    assert "control characters" in response.content.decode()
    assert not Campaign.objects.exists()


def test_model_validation_refuses_it(user):
    campaign = make_campaign()
    campaign.name = HEADER_INJECTION
    with pytest.raises(ValidationError) as caught:
        campaign.full_clean()
    assert "name" in caught.value.message_dict


def test_receipt_subject_is_one_line_even_for_stored_bad_data(
    mailoutbox, django_capture_on_commit_callbacks
):
    campaign = make_campaign()
    Campaign.objects.filter(pk=campaign.pk).update(name=HEADER_INJECTION)  # older data
    donor = funded_donor()

    with django_capture_on_commit_callbacks(execute=True):
        campaign_services.donation_create(
            donor=donor, campaign=campaign.pk, amount=Decimal("10.00")
        )

    receipts = [m for m in mailoutbox if "receipt" in m.subject]
    assert len(receipts) == 1
    assert receipts[0].subject == "Your donation receipt: Winter blankets Bcc: everyone@example.org"
    assert receipts[0].bcc == []


def test_the_validator_and_the_subject_builder():
    single_line("An ordinary name, with punctuation & ünïcödé")
    with pytest.raises(ValidationError):
        single_line("two\nlines")
    multi_line("two\nlines\twith a tab\r\n")
    with pytest.raises(ValidationError):
        multi_line("escape\x1b[31m")
    assert email_subject("  a\r\n\tb\x00c  ") == "a b c"
    assert len(email_subject("x" * 500)) == 150
