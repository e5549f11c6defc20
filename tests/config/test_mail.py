"""config.mail builds the same bytes as Django's own message, only faster."""

from decimal import Decimal

import pytest
from django.core import mail

from campaigns import services
from config.mail import POLICY, CachedHeaderRegistry, EmailMultiAlternatives
from tests.campaigns.factories import funded_donor, make_campaign

HEADERS = {"Message-ID": "<receipt-1@ose.example>", "Date": "Thu, 03 Dec 2026 14:00:00 +0000"}


def build(cls) -> bytes:
    message = cls(
        subject="Your donation receipt: سقيا الماء — a long campaign name " * 3,
        body="Assalamu alaikum أمينة,\n\nThank you for 40.00 USD.\n",
        from_email="OSE Platform <receipts@ose.example>",
        to=["Amina Yusuf <amina@example.org>", "zaid@example.org"],
        headers=HEADERS,
    )
    message.attach_alternative("<p>Thank you, <b>أمينة</b>: 40.00 USD</p>", "text/html")
    built = message.message()
    built.set_boundary("==boundary==")
    return built.as_bytes()


def test_the_same_bytes_as_djangos_message():
    assert build(EmailMultiAlternatives) == build(mail.EmailMultiAlternatives)


def test_the_registry_makes_one_class_per_header_name():
    registry = CachedHeaderRegistry()
    assert registry["Subject"] is registry["subject"]
    assert registry["To"] is not registry["Subject"]
    assert POLICY.header_factory["X-Anything"] is POLICY.header_factory["x-anything"]


@pytest.mark.django_db
def test_the_receipt_task_sends_through_it(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.donation_create(
            donor=funded_donor(), campaign=make_campaign(), amount=Decimal("3.00")
        )
    assert isinstance(mail.outbox[-1], EmailMultiAlternatives)
