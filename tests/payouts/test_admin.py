"""The payout admin: masked screens, finance settling by hand (audited), the
settlement-report upload."""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from accounts import selectors as account_selectors
from payouts import services
from payouts.models import Payout
from staff.models import AuditEvent
from tests.payouts.factories import IBAN, funded_user
from tests.staff.factories import staff_with

pytestmark = pytest.mark.django_db

DEFERRED = "tests.payouts.gateways.DeferredPayoutGateway"


def _admin_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _processing(settings):
    settings.PAYOUT_GATEWAY = DEFERRED
    user, account = funded_user("100.00")
    payout = services.withdrawal_create(user=user, amount="40.00", payout_account=account)
    return user, services.payout_send(payout_id=payout.pk)


def test_finance_settles_a_payout_by_hand_and_it_is_audited(settings):
    user, payout = _processing(settings)
    finance = staff_with("finance")

    response = _admin_client(finance).post(
        "/admin/payouts/payout/", {"action": "settle_failed", "_selected_action": [payout.pk]}
    )

    assert response.status_code == 302
    payout.refresh_from_db()
    assert payout.status == "failed"
    assert account_selectors.wallet_balance(user=user) == Decimal("100.00")
    event = AuditEvent.objects.get(action="payout.failed")
    assert event.actor_id == finance.pk
    assert event.subject_id == str(payout.pk)


def test_a_campaign_manager_may_not_settle_payouts(settings):
    _, payout = _processing(settings)

    response = _admin_client(staff_with("campaign_manager")).post(
        "/admin/payouts/payout/", {"action": "settle_paid", "_selected_action": [payout.pk]}
    )

    assert response.status_code in (302, 403)
    payout.refresh_from_db()
    assert payout.status == "processing"


def test_the_reconciliation_upload_reports_differences(settings):
    _, payout = _processing(settings)
    services.payout_settle(payout=payout, paid=True)
    payout.refresh_from_db()
    report = f"reference,amount,status\n{payout.provider_reference},41.00,paid\n".encode()

    response = _admin_client(staff_with("finance")).post(
        "/admin/payouts/payout/reconcile/",
        {"report": SimpleUploadedFile("report.csv", report, content_type="text/csv")},
    )

    assert response.status_code == 200
    text = response.content.decode()
    assert "disagree" in text
    assert "mismatches: 1" in text
    assert IBAN not in text
    assert Payout.objects.get().status == "paid"  # reconciliation writes nothing


def test_the_reconciliation_upload_is_for_finance_only():
    response = _admin_client(staff_with("auditor")).get("/admin/payouts/payout/reconcile/")

    assert response.status_code == 403
