"""Paying a zakat record: ledger, status, idempotency, receipts."""

from decimal import Decimal

import pytest
from django.core import mail

from accounts import services as accounts_services
from accounts.models import LedgerTransaction
from tests.factories import fund_wallet
from tests.zakat.factories import ZakatRecordFactory
from zakat import services
from zakat.models import ZakatPayment, ZakatRecord

pytestmark = pytest.mark.django_db

PAY = "/api/v1/zakat/payments"


def test_pay_moves_money_into_the_zakat_fund(auth_client, django_capture_on_commit_callbacks):
    fund_wallet(auth_client.user, "300.00")
    record = ZakatRecordFactory(payer=auth_client.user)

    with django_capture_on_commit_callbacks(execute=True):
        response = auth_client.post(PAY, {"record_id": str(record.pk)}, format="json")

    assert response.status_code == 201, response.content
    data = response.json()
    assert data["record_id"] == str(record.pk)
    assert data["amount"] == "250.00"
    assert data["paid_at"]
    record.refresh_from_db()
    assert record.payment_status == ZakatRecord.PaymentStatus.COMPLETED
    wallet = accounts_services.wallet_get_or_create(user=auth_client.user)
    assert wallet.balance == Decimal("50.00")
    assert accounts_services.zakat_fund_account().balance == Decimal("250.00")
    txn = ZakatPayment.objects.get(pk=data["id"]).ledger_transaction
    assert txn.kind == LedgerTransaction.Kind.ZAKAT_PAYMENT
    assert accounts_services.ledger_verify().problems == []
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [auth_client.user.email]
    assert message.subject == "Your zakat receipt ZK-000001"
    assert "ZAKAT RECEIPT ZK-000001" in message.body
    assert "250.00" in message.body
    html = (
        message.alternatives[0].content
        if hasattr(message.alternatives[0], "content")
        else message.alternatives[0][0]
    )
    assert "Zakat receipt ZK-000001" in html


def test_short_wallet_is_402_with_amounts(auth_client):
    fund_wallet(auth_client.user, "100.00")
    record = ZakatRecordFactory(payer=auth_client.user)

    response = auth_client.post(PAY, {"record_id": str(record.pk)}, format="json")

    assert response.status_code == 402
    data = response.json()
    assert data["error"] == "insufficient_funds"
    assert data["available_amount"] == "100.00"
    assert data["required_amount"] == "250.00"
    record.refresh_from_db()
    assert record.is_pending
    assert not ZakatPayment.objects.exists()


def test_not_pending_and_nothing_to_pay_are_400(auth_client):
    fund_wallet(auth_client.user, "1000.00")
    done = ZakatRecordFactory(payer=auth_client.user, payment_status="completed")
    below = ZakatRecordFactory(
        payer=auth_client.user, zakat_amount=Decimal("0.00"), is_obligated=False
    )

    first = auth_client.post(PAY, {"record_id": str(done.pk)}, format="json")
    second = auth_client.post(PAY, {"record_id": str(below.pk)}, format="json")

    assert (first.status_code, first.json()["error"]) == (400, "record_not_pending")
    assert (second.status_code, second.json()["error"]) == (400, "nothing_to_pay")


def test_paying_twice_is_record_not_pending(auth_client):
    fund_wallet(auth_client.user, "1000.00")
    record = ZakatRecordFactory(payer=auth_client.user)

    assert auth_client.post(PAY, {"record_id": str(record.pk)}, format="json").status_code == 201
    again = auth_client.post(PAY, {"record_id": str(record.pk)}, format="json")

    assert again.status_code == 400
    assert again.json()["error"] == "record_not_pending"
    assert ZakatPayment.objects.count() == 1


def test_unknown_record_404_other_users_403(auth_client, staff_client, other_user):
    fund_wallet(other_user, "1000.00")
    theirs = ZakatRecordFactory(payer=other_user)

    unknown = auth_client.post(
        PAY, {"record_id": "7c9e6679-7425-40de-944b-e07fc1f90ae7"}, format="json"
    )
    forbidden = auth_client.post(PAY, {"record_id": str(theirs.pk)}, format="json")
    staff = staff_client.post(PAY, {"record_id": str(theirs.pk)}, format="json")
    bad = auth_client.post(PAY, {"record_id": "nope"}, format="json")

    assert unknown.status_code == 404
    assert forbidden.status_code == 403
    assert staff.status_code == 403
    assert bad.status_code == 400
    assert not ZakatPayment.objects.exists()


def test_idempotent_replay(auth_client, django_capture_on_commit_callbacks):
    fund_wallet(auth_client.user, "1000.00")
    record = ZakatRecordFactory(payer=auth_client.user)
    headers = {"HTTP_IDEMPOTENCY_KEY": "zakat-key-1"}

    with django_capture_on_commit_callbacks(execute=True):
        first = auth_client.post(PAY, {"record_id": str(record.pk)}, format="json", **headers)
        second = auth_client.post(PAY, {"record_id": str(record.pk)}, format="json", **headers)
    other = ZakatRecordFactory(payer=auth_client.user)
    conflict = auth_client.post(PAY, {"record_id": str(other.pk)}, format="json", **headers)

    assert first.status_code == second.status_code == 201
    assert first.content == second.content
    assert second["Idempotent-Replayed"] == "true"
    assert conflict.status_code == 409
    assert ZakatPayment.objects.count() == 1
    assert len(mail.outbox) == 1
    assert accounts_services.wallet_get_or_create(user=auth_client.user).balance == Decimal(
        "750.00"
    )


def test_receipt_numbers_are_sequential(user):
    fund_wallet(user, "1000.00")
    payments = [
        services.zakat_payment_create(record=ZakatRecordFactory(payer=user), payer=user)
        for _ in range(3)
    ]
    assert [p.receipt_number for p in payments] == [1, 2, 3]


def test_failed_payment_does_not_use_a_receipt_number(user):
    fund_wallet(user, "300.00")
    services.zakat_payment_create(record=ZakatRecordFactory(payer=user), payer=user)
    with pytest.raises(accounts_services.InsufficientFunds):
        services.zakat_payment_create(record=ZakatRecordFactory(payer=user), payer=user)
    fund_wallet(user, "500.00")
    payment = services.zakat_payment_create(record=ZakatRecordFactory(payer=user), payer=user)
    assert payment.receipt_number == 2


def test_receipt_task_sends_only_once(user):
    from zakat.tasks import send_zakat_receipt

    fund_wallet(user, "300.00")
    payment = services.zakat_payment_create(record=ZakatRecordFactory(payer=user), payer=user)
    mail.outbox.clear()

    assert send_zakat_receipt.call(str(payment.pk)) is True
    assert send_zakat_receipt.call(str(payment.pk)) is False
    assert len(mail.outbox) == 1
