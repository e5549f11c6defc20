"""The payouts API: shapes, errors, idempotency, webhooks."""

from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from accounts import selectors as account_selectors
from payouts.models import Payout, PayoutAccount
from staff.models import Approval
from tests.campaigns.factories import funded_donor, make_campaign
from tests.factories import UserFactory
from tests.payouts.factories import IBAN, IBAN_SPACED, OTHER_IBAN, funded_user, payout_account
from tests.payouts.gateways import event_body, sign
from tests.staff.factories import staff_with

pytestmark = pytest.mark.django_db

ACCOUNTS = "/api/v1/payout-accounts"
WITHDRAWALS = "/api/v1/wallet/withdrawals"
DEFERRED = "tests.payouts.gateways.DeferredPayoutGateway"


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_saving_a_bank_account_answers_it_masked():
    user = UserFactory()

    response = client_for(user).post(
        ACCOUNTS, {"holder_name": "Amina Yusuf", "iban": IBAN_SPACED}, format="json"
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == {"id", "holder_name", "iban_masked", "created_at"}
    assert body["iban_masked"] == "DE** **** **** 3000"
    assert IBAN not in response.content.decode()
    listed = client_for(user).get(ACCOUNTS).json()
    assert [a["id"] for a in listed["items"]] == [body["id"]]
    assert client_for(UserFactory()).get(ACCOUNTS).json()["items"] == []


@pytest.mark.parametrize(
    "iban", ["DE89370400440532013001", "ZZ89370400440532013000", "DE893704004405320130", "x"]
)
def test_an_invalid_iban_is_400_with_details_and_nothing_saved(iban):
    response = client_for(UserFactory()).post(
        ACCOUNTS, {"holder_name": "Amina", "iban": iban}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["error"] == "validation_error"
    assert "iban" in response.json()["details"]
    assert PayoutAccount.objects.count() == 0


def test_deleting_answers_204_and_someone_elses_is_403():
    user = UserFactory()
    mine, theirs = payout_account(user), payout_account(UserFactory(), iban=OTHER_IBAN)

    assert client_for(user).delete(f"{ACCOUNTS}/{theirs.pk}").status_code == 403
    assert client_for(user).delete(f"{ACCOUNTS}/{mine.pk}").status_code == 204
    assert client_for(user).delete(f"{ACCOUNTS}/{mine.pk}").status_code == 404
    assert PayoutAccount.objects.filter(pk=theirs.pk).exists()


def test_a_withdrawal_answers_201_and_drops_the_wallet(django_capture_on_commit_callbacks):
    user, account = funded_user("300.00")

    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(user).post(
            WITHDRAWALS, {"amount": "120.50", "payout_account_id": str(account.pk)}, format="json"
        )

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["amount"] == "120.50"
    assert body["status"] == "processing"
    assert body["payout_account_id"] == str(account.pk)
    assert account_selectors.wallet_balance(user=user) == Decimal("179.50")
    listed = client_for(user).get(WITHDRAWALS).json()["items"]
    assert [(w["id"], w["status"]) for w in listed] == [(body["id"], "paid")]
    assert client_for(user).get(WITHDRAWALS, {"status": "failed"}).json()["items"] == []


def test_a_large_withdrawal_is_pending_approval_for_finance():
    user, account = funded_user("3000.00")

    response = client_for(user).post(
        WITHDRAWALS, {"amount": "1000.01", "payout_account_id": str(account.pk)}, format="json"
    )

    assert response.json()["status"] == "pending_approval"
    approval = Approval.objects.get()
    assert (approval.kind, approval.subject_id) == ("withdrawal", response.json()["id"])


@pytest.mark.parametrize(
    ("amount", "status"),
    [
        ("1.001", 400),
        ("NaN", 400),
        ("Infinity", 400),
        ("1e2", 400),
        ("-5.00", 400),
        ("0", 400),
        (1.5, 201),
        ("99999999999999999999", 400),
        ("300.01", 402),
    ],
)
def test_amounts_are_checked_as_everywhere_else(amount, status):
    user, account = funded_user("300.00")

    response = client_for(user).post(
        WITHDRAWALS, {"amount": amount, "payout_account_id": str(account.pk)}, format="json"
    )

    assert response.status_code == status, response.content
    if status != 201:
        assert Payout.objects.count() == 0
        assert account_selectors.wallet_balance(user=user) == Decimal("300.00")
    if status == 402:
        assert response.json()["error"] == "insufficient_funds"
        assert response.json()["available_amount"] == "300.00"


def test_someone_elses_bank_account_is_403_and_nothing_moves():
    user, _ = funded_user("300.00")
    theirs = payout_account(UserFactory(), iban=OTHER_IBAN)

    response = client_for(user).post(
        WITHDRAWALS, {"amount": "10.00", "payout_account_id": str(theirs.pk)}, format="json"
    )

    assert response.status_code == 403
    assert response.json()["error"] == "permission_denied"
    assert Payout.objects.count() == 0
    assert account_selectors.wallet_balance(user=user) == Decimal("300.00")


def test_an_unknown_bank_account_is_404_and_a_malformed_id_400():
    user, _ = funded_user("300.00")

    unknown = client_for(user).post(
        WITHDRAWALS,
        {"amount": "10.00", "payout_account_id": "7c1e2a90-3b7d-4f0e-9a55-2f1d0c9e8b11"},
        format="json",
    )
    malformed = client_for(user).post(
        WITHDRAWALS, {"amount": "10.00", "payout_account_id": "nope"}, format="json"
    )

    assert unknown.status_code == 404
    assert malformed.status_code == 400
    assert Payout.objects.count() == 0


def test_the_idempotency_key_replays_and_withdraws_once():
    user, account = funded_user("300.00")
    client = client_for(user)
    body = {"amount": "50.00", "payout_account_id": str(account.pk)}

    first = client.post(WITHDRAWALS, body, format="json", HTTP_IDEMPOTENCY_KEY="w-1")
    again = client.post(WITHDRAWALS, body, format="json", HTTP_IDEMPOTENCY_KEY="w-1")
    other = client.post(
        WITHDRAWALS, {**body, "amount": "60.00"}, format="json", HTTP_IDEMPOTENCY_KEY="w-1"
    )

    assert first.status_code == again.status_code == 201
    assert first.content == again.content
    assert other.status_code == 409
    assert Payout.objects.count() == 1
    assert account_selectors.wallet_balance(user=user) == Decimal("250.00")


# --- webhooks -----------------------------------------------------------------------------


def _pending_withdrawal(settings, django_capture_on_commit_callbacks, amount="80.00"):
    settings.PAYOUT_GATEWAY = DEFERRED
    user, account = funded_user("100.00")
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(user).post(
            WITHDRAWALS, {"amount": amount, "payout_account_id": str(account.pk)}, format="json"
        )
    return user, Payout.objects.get(pk=response.json()["id"])


def _deliver(body: bytes, signature: str | None = None):
    return APIClient().post(
        "/api/v1/payouts/webhooks/deferred",
        body,
        content_type="application/json",
        HTTP_X_SIGNATURE=sign(body) if signature is None else signature,
    )


def test_a_signed_webhook_settles_paid_once_and_late_verdicts_change_nothing(
    settings, django_capture_on_commit_callbacks, mailoutbox
):
    user, payout = _pending_withdrawal(settings, django_capture_on_commit_callbacks)
    assert payout.status == "processing"

    with django_capture_on_commit_callbacks(execute=True):
        assert _deliver(event_body(payout.pk, "paid")).status_code == 204
        assert _deliver(event_body(payout.pk, "paid")).status_code == 204  # again
        assert _deliver(event_body(payout.pk, "failed")).status_code == 204  # out of order

    payout.refresh_from_db()
    assert payout.status == "paid"
    assert account_selectors.wallet_balance(user=user) == Decimal("20.00")
    assert len(mailoutbox) == 1


def test_a_failed_webhook_returns_the_money_exactly_once(
    settings, django_capture_on_commit_callbacks
):
    user, payout = _pending_withdrawal(settings, django_capture_on_commit_callbacks)

    for _ in range(3):
        assert _deliver(event_body(payout.pk, "failed", "closed")).status_code == 204
    assert _deliver(event_body(payout.pk, "paid")).status_code == 204

    payout.refresh_from_db()
    assert payout.status == "failed"
    assert account_selectors.wallet_balance(user=user) == Decimal("100.00")


@pytest.mark.parametrize("forgery", ["unsigned", "bad signature", "malformed", "unknown payout"])
def test_forged_or_unknown_deliveries_are_404_and_settle_nothing(
    forgery, settings, django_capture_on_commit_callbacks
):
    _user, payout = _pending_withdrawal(settings, django_capture_on_commit_callbacks)
    body = event_body(payout.pk, "paid")
    response = {
        "unsigned": lambda: _deliver(body, signature=""),
        "bad signature": lambda: _deliver(body, signature=sign(event_body(payout.pk, "failed"))),
        "malformed": lambda: _deliver(b'{"payout_id": 1}'),
        "unknown payout": lambda: _deliver(event_body("7c1e2a90-3b7d-4f0e-9a55-2f1d0c9e8b11")),
    }[forgery]()

    assert response.status_code == 404
    assert response.json()["error"] == "not_found"
    payout.refresh_from_db()
    assert payout.status == "processing"


def test_the_sandbox_and_unknown_gateways_take_no_webhooks():
    assert APIClient().post("/api/v1/payouts/webhooks/sandbox", {}).status_code == 404
    assert APIClient().post("/api/v1/payouts/webhooks/other", {}).status_code == 404


# --- campaign payouts ---------------------------------------------------------------------


def _campaign_with(amount="500.00"):
    from campaigns.services import donation_create

    organizer = UserFactory()
    campaign = make_campaign(organizer=organizer)
    donation_create(donor=funded_donor(amount), campaign=campaign, amount=Decimal(amount))
    return campaign, organizer


def test_a_campaign_payout_answers_202_with_the_approval_and_executes_on_approval(
    django_capture_on_commit_callbacks,
):
    campaign, organizer = _campaign_with()
    url = f"/api/v1/campaigns/{campaign.pk}/payouts"

    response = client_for(organizer).post(
        url,
        {"amount": "300.00", "payee_name": "Well builders", "description": "Invoice 7"},
        format="json",
    )

    assert response.status_code == 202, response.content
    approval = response.json()["approval"]
    assert (approval["kind"], approval["amount"], approval["status"]) == (
        "campaign_payout",
        "300.00",
        "pending",
    )
    finance = client_for(staff_with("finance"))
    with django_capture_on_commit_callbacks(execute=True):
        assert finance.post(f"/api/v1/approvals/{approval['id']}/approve").status_code == 200
    listed = client_for(organizer).get(url).json()["items"]
    assert [(p["amount"], p["status"], p["payee_name"]) for p in listed] == [
        ("300.00", "paid", "Well builders")
    ]
    assert client_for(UserFactory()).get(url).status_code == 403


def test_a_campaign_payout_beyond_the_fund_is_402_and_others_may_not_ask():
    campaign, organizer = _campaign_with("100.00")
    url = f"/api/v1/campaigns/{campaign.pk}/payouts"

    too_much = client_for(organizer).post(
        url, {"amount": "100.01", "payee_name": "X"}, format="json"
    )
    stranger = client_for(UserFactory()).post(
        url, {"amount": "1.00", "payee_name": "X"}, format="json"
    )

    assert too_much.status_code == 402
    assert too_much.json()["error"] == "insufficient_funds"
    assert stranger.status_code == 403
    assert Approval.objects.count() == 0


def test_the_schema_documents_the_payout_routes():
    schema = APIClient().get("/api/schema/", HTTP_ACCEPT="application/json").json()

    for path in (
        "/api/v1/payout-accounts",
        "/api/v1/payout-accounts/{id}",
        "/api/v1/wallet/withdrawals",
        "/api/v1/campaigns/{id}/payouts",
        "/api/v1/payouts/webhooks/{gateway}",
    ):
        assert path in schema["paths"], path
    assert IBAN not in str(schema)
