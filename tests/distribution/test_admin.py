"""The cases queue in the admin: the funds' figures above the list, documents inline
through the protected view, and the actions calling the same services."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone
from freezegun import freeze_time

from distribution.models import ZakatCase
from staff.models import Approval
from tests.distribution.factories import approved_case, fund_zakat, officer, submitted_case
from tests.factories import UserFactory
from tests.helpers import pdf_upload

pytestmark = pytest.mark.django_db
CHANGELIST = "/admin/distribution/zakatcase/"


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_queue_shows_the_fund_and_its_overdue_zakat():
    with freeze_time(timezone.now() - timedelta(days=400)):
        fund_zakat("75.00")
    submitted_case(UserFactory())
    response = _client(officer()).get(CHANGELIST)
    assert response.status_code == 200
    figures = response.context["fund"]
    assert figures.overdue_amount == Decimal("75.00")
    assert b'data-testid="overdue">75.00' in response.content
    for name in ("status", "asnaf_category", "age"):
        assert f"{name}=".encode() in response.content or name.encode() in response.content


def test_the_case_page_links_documents_through_the_protected_view():
    case = submitted_case(UserFactory(), documents=[pdf_upload("id-card.pdf")])
    document = case.documents.get()
    page = _client(officer()).get(f"{CHANGELIST}{case.pk}/change/")
    assert page.status_code == 200
    assert f"/zakat/cases/{case.pk}/documents/{document.pk}/".encode() in page.content
    assert b"id-card.pdf" in page.content


def test_admin_actions_approve_and_request_a_disbursement():
    fund_zakat("500.00")
    staff = officer()
    client = _client(staff)
    case = submitted_case(UserFactory())
    client.post(
        CHANGELIST,
        {
            "action": "approve",
            "_selected_action": [str(case.pk)],
            "apply": "1",
            "asnaf_category": "gharimin",
            "approved_amount": "120.00",
        },
    )
    case.refresh_from_db()
    assert (case.status, case.asnaf_category) == ("approved", "gharimin")

    paid = approved_case(approved="60.00")
    client.post(
        CHANGELIST,
        {
            "action": "request_disbursement",
            "_selected_action": [str(paid.pk)],
            "apply": "1",
            "method": "wallet",
            "source": "zakat",
        },
    )
    approval = Approval.objects.get(kind="zakat_disbursement")
    assert approval.amount == Decimal("60.00")  # empty amount: what remains of the case
    assert approval.requested_by == staff
    assert ZakatCase.objects.get(pk=paid.pk).status == "approved"  # waits for a second person
