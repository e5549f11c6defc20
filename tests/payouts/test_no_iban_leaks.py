"""No IBAN in clear anywhere: a whole flow through the API, the pages, the admin,
e-mails, the CSV export, the audit trail and the logs, then a grep for the number."""

import logging
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from rest_framework.test import APIClient

from accounts.models import LedgerTransaction
from payouts.models import Payout, PayoutAccount
from staff.models import Approval
from tests.factories import UserFactory, fund_wallet
from tests.helpers import db_rows
from tests.payouts.factories import IBAN, IBAN_SPACED
from tests.payouts.gateways import event_body, sign
from tests.staff.factories import staff_with

pytestmark = pytest.mark.django_db

FORMS = (IBAN, IBAN_SPACED, IBAN.lower(), "370400440532013000", "0532013000")


def assert_no_iban(text: str, where: str) -> None:
    for form in FORMS:
        assert form not in text, f"the IBAN ({form}) appears in {where}"


def test_no_iban_in_any_response_page_log_mail_export_or_row(
    settings, caplog, mailoutbox, django_capture_on_commit_callbacks
):
    caplog.set_level(logging.DEBUG)
    settings.PAYOUT_GATEWAY = "tests.payouts.gateways.DeferredPayoutGateway"
    user = UserFactory(password="pw-for-the-pages-1")
    fund_wallet(user, "3000.00")
    api = APIClient()
    api.force_authenticate(user)
    page = Client()
    page.force_login(user)
    seen: list[tuple[str, str]] = []

    def keep(where, call):
        # Each request runs its on-commit work (sending, e-mail) as it would live.
        with django_capture_on_commit_callbacks(execute=True):
            response = call()
        seen.append((where, response.content.decode(errors="replace")))
        return response

    accounts = "/api/v1/payout-accounts"
    created = keep(
        "POST account",
        lambda: api.post(accounts, {"holder_name": "Amina", "iban": IBAN_SPACED}, format="json"),
    ).json()
    keep(
        "POST account again",
        lambda: api.post(accounts, {"holder_name": "Amina", "iban": IBAN}, format="json"),
    )
    keep(
        "page: the same IBAN again",
        lambda: page.post(
            "/wallet/payout-accounts/", {"holder_name": "Amina", "iban": IBAN_SPACED}
        ),
    )
    keep("GET accounts", lambda: api.get(accounts))
    keep("page: accounts", lambda: page.get("/wallet/payout-accounts/"))
    body = {"amount": "100.00", "payout_account_id": created["id"]}
    small = keep(
        "POST withdrawal", lambda: api.post("/api/v1/wallet/withdrawals", body, format="json")
    )
    keep(
        "page: withdraw",
        lambda: page.post(
            "/wallet/withdraw/", {"amount": "1500.00", "payout_account": created["id"]}
        ),
    )
    keep("page: withdrawals", lambda: page.get("/wallet/withdraw/"))
    keep("GET withdrawals", lambda: api.get("/api/v1/wallet/withdrawals"))
    paid = event_body(small.json()["id"], "paid")
    keep(
        "webhook",
        lambda: APIClient().post(
            "/api/v1/payouts/webhooks/deferred",
            paid,
            content_type="application/json",
            HTTP_X_SIGNATURE=sign(paid),
        ),
    )
    finance = APIClient()
    finance.force_authenticate(staff_with("finance"))
    approval = Approval.objects.get(kind="withdrawal")
    keep("approve", lambda: finance.post(f"/api/v1/approvals/{approval.pk}/approve"))
    keep("approvals", lambda: finance.get("/api/v1/approvals"))
    auditor = APIClient()
    auditor.force_authenticate(staff_with("auditor"))
    keep("audit events", lambda: auditor.get("/api/v1/audit-events?limit=100"))

    admin = Client()
    admin.force_login(UserFactory(is_staff=True, is_superuser=True))
    account = PayoutAccount.objects.get()
    payout = Payout.objects.first()
    for url in (
        "/admin/payouts/payoutaccount/",
        f"/admin/payouts/payoutaccount/{account.pk}/change/",
        "/admin/payouts/payout/",
        f"/admin/payouts/payout/{payout.pk}/change/",
        "/admin/payouts/payout/reconcile/",
        "/admin/accounts/ledgertransaction/",
    ):
        response = keep(url, lambda url=url: admin.get(url))
        assert response.status_code == 200, url
    selected = [str(p.pk) for p in Payout.objects.all()]
    export = keep(
        "CSV export",
        lambda: admin.post(
            "/admin/payouts/payout/", {"action": "export_csv", "_selected_action": selected}
        ),
    )
    assert export["Content-Type"].startswith("text/csv")
    out = StringIO()
    call_command("check_stuck_payouts", stdout=out)

    for where, text in seen:
        assert_no_iban(text, where)
    assert_no_iban(caplog.text, "the logs")
    assert_no_iban("\n".join(str(r.args) + r.getMessage() for r in caplog.records), "log arguments")
    for message in mailoutbox:
        assert_no_iban(message.subject + message.body, f"the e-mail {message.subject!r}")
    assert mailoutbox, "the paid withdrawal sends an e-mail"
    rows = db_rows(("accounts", "staff", "payouts", "campaigns"))
    rows["payouts.PayoutAccount"] = []  # the ciphertext column is checked raw elsewhere
    assert_no_iban(repr(rows), "the database rows (audit trail, ledger references)")
    assert LedgerTransaction.objects.filter(kind="payout").exists()
    # and the flow really ran
    assert sorted(Payout.objects.values_list("status", flat=True)) == ["paid", "processing"]
