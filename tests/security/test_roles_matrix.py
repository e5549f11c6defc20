"""The roles matrix: each of the six staff roles against every staff route.

Routes are the staff API (every route whose view carries a `HasPerm` gate, plus the
owned routes staff act on by permission), every admin changelist, the custom admin
views (wallet adjustment, reversal, the approvals buttons, role editing) and every
admin action. Each route names, in the tables below, the permission it needs; the
expected answer of a cell is derived from that permission and staff/roles.py's
ROLES (does the role hold it?), never read from the views:

- allowed: a 2xx (any: four-eyes moves answer 202), or for an admin POST a 302
  that carries no error or warning message;
- refused: 403 (or the admin's redirect to its login, or the admin's own refusal of
  an action it does not offer, "No action selected."), and a refused write leaves
  every application row exactly as it was.

The world (tests/helpers.py) is built once per module; every cell runs in a
savepoint that is rolled back. New staff API routes and new admin actions fail
`test_every_staff_route_is_in_the_roles_matrix` until they get a row here.
"""

from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.contrib import admin, messages
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.test import Client, RequestFactory
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import LedgerAccount, LedgerTransaction
from accounts.services import ledger as ledger_services
from campaigns.models import Campaign, Donation
from config.errors import ConflictOfInterest
from loans import services as loan_services
from loans.models import Loan, MurabahaContract
from staff.roles import ROLE_NAMES, ROLES_BY_NAME
from tests.factories import UserFactory, fund_wallet
from tests.helpers import World, api_client_for, build_world, db_snapshot, snapshot_diff
from tests.loans.factories import purchase, purchase_body
from tests.security.test_authz_matrix import api_methods, iter_routes
from tests.staff.factories import staff_with

ALLOWED_STATUSES = {200, 201, 202, 204}
OWN_ACT = "nobody.as_staff"  # a permission no role holds: only the owner may


def holds(role: str, perm: str | None) -> bool:
    """Does the role hold `perm` ("app.codename") per staff/roles.py? None: anyone."""
    if perm is None:
        return True
    for granted in ROLES_BY_NAME[role].permissions:
        if granted == perm or (granted.endswith("*") and perm.startswith(granted[:-1])):
            return True
    return False


# --- The tables: route -> permission ---------------------------------------------------

V1 = "api:v1:"


@dataclass(frozen=True)
class ApiRow:
    method: str
    name: str
    perm: str | None  # None: any signed-in staff member may (a public read)
    obj: str | None = None  # the world object in the URL's "pk"
    body: dict | None = None

    @property
    def id(self) -> str:
        return f"{self.method} {self.name}"


API_TABLE = [
    # Gated by HasPerm in the views.
    ApiRow("GET", V1 + "zakat-metal-prices", None),
    ApiRow("POST", V1 + "zakat-metal-prices", "staff.metal_price_enter",
           body={"gold_price_per_gram": "96.00", "silver_price_per_gram": "1.20"}),
    ApiRow("POST", V1 + "campaign-activate", "staff.campaign_manage", "draft"),
    ApiRow("POST", V1 + "campaign-complete", "staff.campaign_manage", "active"),
    ApiRow("POST", V1 + "campaign-cancel", "staff.campaign_manage", "active"),
    ApiRow("POST", V1 + "donation-refund", "staff.donation_refund", "donation"),
    ApiRow("POST", V1 + "loan-approve", "staff.loan_decide", "loan_pending"),
    ApiRow("POST", V1 + "loan-reject", "staff.loan_decide", "loan_pending", {"reason": "No."}),
    ApiRow("POST", V1 + "loan-disburse", "staff.loan_disburse", "loan_approved"),
    ApiRow("POST", V1 + "loan-mark-defaulted", "staff.loan_mark_defaulted", "loan_active"),
    ApiRow("POST", V1 + "murabaha-acquire", "staff.murabaha_acquire", "contract_requested",
           purchase_body()),
    ApiRow("POST", V1 + "murabaha-mark-defaulted", "staff.loan_mark_defaulted", "contract_active"),
    ApiRow("POST", V1 + "murabaha-rebate", "staff.loan_rebate", "contract_active",
           {"amount": "10.00"}),
    ApiRow("POST", V1 + "loan-reschedule", "staff.loan_decide", "loan_active",
           {"repayment_months": 6}),
    ApiRow("POST", V1 + "murabaha-reschedule", "staff.loan_decide", "contract_active",
           {"installments_count": 6}),
    ApiRow("POST", V1 + "murabaha-offer", "staff.murabaha_offer", "contract_acquired",
           {"markup_amount": "50.00"}),
    ApiRow("GET", V1 + "roles", "staff.staff_read"),
    ApiRow("PUT", V1 + "user-roles", "staff.roles_manage", "person", {"roles": ["auditor"]}),
    ApiRow("GET", V1 + "approvals", "staff.staff_read"),
    ApiRow("GET", V1 + "approval", "staff.staff_read", "approval"),
    # The world's approval is a wallet adjustment asked by someone outside the matrix:
    # its checker decides it (the view lets staff readers in, the service checks).
    ApiRow("POST", V1 + "approval-approve", "staff.approve_wallet_adjustment", "approval"),
    ApiRow("POST", V1 + "approval-reject", "staff.approve_wallet_adjustment", "approval",
           {"reason": "No."}),
    ApiRow("POST", V1 + "wallet-adjustments", "staff.wallet_adjustment_request",
           body={"user_id": "wallet_owner", "amount": "10.00", "reason": "Goodwill"}),
    ApiRow("GET", V1 + "audit-events", "staff.audit_read"),
    ApiRow("POST", V1 + "user-mfa-reset", "staff.mfa_reset_request", "person",
           {"reason": "Phone lost; checked in person"}),
    ApiRow("POST", V1 + "zakat-fitr-rates", "staff.set_fitr_rate",
           body={"hijri_year": 1500, "amount_per_person": "10.00"}),
    # Owned routes staff act on, for someone else, by permission (checked in services).
    ApiRow("PATCH", V1 + "campaign", "staff.campaign_manage", "active", {"name": "Renamed"}),
    ApiRow("PUT", V1 + "zakat-record", "staff.zakat_record_edit", "record",
           {"payer_id": "payer-9999", "wealth_amount": "20000.00", "nisab_threshold": "5000.00"}),
    ApiRow("PATCH", V1 + "zakat-record", "staff.zakat_record_edit", "record",
           {"wealth_amount": "12000.00"}),
    ApiRow("DELETE", V1 + "zakat-record", "staff.zakat_record_edit", "record"),
    # Staff record cash received; nobody but the owner pays from the owner's wallet.
    ApiRow("POST", V1 + "loan-repayment", "staff.loan_record_payment", "loan_active",
           {"payment_amount": "10.00", "source": "external"}),
    ApiRow("POST", V1 + "murabaha-payments", "staff.loan_record_payment", "contract_active",
           {"amount": "10.00", "source": "external"}),
    ApiRow("POST", V1 + "murabaha-cancel", "staff.loan_decide", "contract_requested"),
    # Reading other people's things: every staff reader.
    ApiRow("GET", V1 + "zakat-record", "staff.staff_read", "record"),
    ApiRow("GET", V1 + "donation", "staff.staff_read", "donation"),
    ApiRow("GET", V1 + "campaign", "staff.staff_read", "draft"),
    ApiRow("GET", V1 + "campaign-donations", "staff.staff_read", "draft"),
    ApiRow("GET", V1 + "loan-detail", "staff.staff_read", "loan_active"),
    ApiRow("GET", V1 + "loan-schedule", "staff.staff_read", "loan_active"),
    ApiRow("GET", V1 + "murabaha-detail", "staff.staff_read", "contract_active"),
    ApiRow("GET", V1 + "murabaha-schedule", "staff.staff_read", "contract_active"),
    # The customer's and the payer's own acts: no staff permission allows them.
    ApiRow("POST", V1 + "murabaha-accept", OWN_ACT, "contract_offered"),
    ApiRow("POST", V1 + "zakat-payments", OWN_ACT, body={"record_id": "record"}),
    # Zakat distribution: deciding and paying cases, reading them and the fund.
    ApiRow("POST", V1 + "zakat-case-approve", "staff.zakat_case_decide", "case_submitted",
           {"asnaf_category": "fuqara", "approved_amount": "50.00"}),
    ApiRow("POST", V1 + "zakat-case-reject", "staff.zakat_case_decide", "case_submitted",
           {"reason": "No."}),
    ApiRow("POST", V1 + "zakat-case-close", "staff.zakat_case_decide", "case_approved"),
    ApiRow("POST", V1 + "zakat-case-disbursements", "staff.zakat_disbursement_request",
           "case_approved", {"amount": "10.00", "method": "wallet"}),
    ApiRow("GET", V1 + "zakat-fund", "distribution.view_zakatcase"),
    ApiRow("GET", V1 + "zakat-case", "distribution.view_zakatcase", "case_submitted"),
    # payouts: staff ask for campaign payouts (four-eyes, 202) and read them; a
    # withdrawal is only ever the wallet owner's own act.
    ApiRow("GET", V1 + "campaign-payout-list", "staff.staff_read", "active"),
    ApiRow("POST", V1 + "campaign-payout-list", "staff.campaign_payout_request", "active",
           {"amount": "5.00", "payee_name": "Builders"}),
    ApiRow("POST", V1 + "withdrawal-list", OWN_ACT,
           body={"amount": "10.00", "payout_account_id": "payout_account"}),
    ApiRow("DELETE", V1 + "payout-account-detail", OWN_ACT, "payout_account"),
    # reports: the ledger's for finance and auditors, the portfolio also for loan officers
    ApiRow("GET", V1 + "reports-trial-balance", "staff.report_ledger_read"),
    ApiRow("GET", V1 + "reports-journal", "staff.report_ledger_read"),
    ApiRow("GET", V1 + "reports-portfolio", "staff.report_portfolio_read"),
]  # fmt: skip

# Pages staff use on other people's things. A refused page POST shows its form again
# (200) or sends back with an error message; an allowed one redirects and writes.
PAGE_TABLE = [
    ApiRow("GET", "loans:loan", "staff.staff_read", "loan_active"),
    ApiRow("POST", "loans:loan", "staff.loan_record_payment", "loan_active", {"amount": "10.00"}),
    ApiRow("GET", "loans:murabaha", "staff.staff_read", "contract_active"),
    ApiRow("POST", "loans:murabaha", "staff.loan_record_payment", "contract_active",
           {"amount": "10.00"}),
    ApiRow("POST", "loans:murabaha_cancel", "staff.loan_decide", "contract_requested"),
    ApiRow("POST", "loans:murabaha_accept", OWN_ACT, "contract_offered"),
    ApiRow("GET", "zakat:pay", OWN_ACT, "record"),
    ApiRow("POST", "zakat:pay", OWN_ACT, "record"),
    ApiRow("GET", "zakat:receipt", "staff.staff_read", "zakat_payment"),
    ApiRow("GET", "zakat:fitr_receipt", "staff.staff_read", "fitr_payment"),
    ApiRow("GET", "campaigns:detail", "staff.staff_read", "draft"),
    ApiRow("GET", "campaigns:receipt", "staff.staff_read", "donation"),
]  # fmt: skip

# Changelists: the model's view permission, except where the admin reads a staff
# permission instead (the staff screens are gated by role, not by model).
CHANGELIST_PERM = {
    "staff.Approval": "staff.staff_read",
    "staff.AuditEvent": "staff.audit_read",
    "staff.StaffMember": "staff.staff_read",
}


def changelist_perm(model) -> str:
    return CHANGELIST_PERM.get(
        model._meta.label, f"{model._meta.app_label}.view_{model._meta.model_name}"
    )


@dataclass(frozen=True)
class AdminRow:
    """One admin custom view (a URL name) or one action (a model label + name)."""

    method: str
    perm: str | None
    name: str = ""  # a custom view's URL name
    model: str = ""  # an action's model label
    action: str = ""
    obj: str | None = None  # a world object: the URL's argument or the selected row
    body: dict | None = None
    writes: bool = False  # allowed, it must change a row (requested or done)

    @property
    def id(self) -> str:
        return f"{self.method} {self.name or self.model + ':' + self.action}"


ADMIN_VIEWS = [
    AdminRow("GET", "staff.wallet_adjustment_request", "admin:accounts_ledgeraccount_adjust",
             obj="owner_wallet"),
    AdminRow("POST", "staff.wallet_adjustment_request", "admin:accounts_ledgeraccount_adjust",
             obj="owner_wallet", body={"amount": "10.00", "reason": "Goodwill"}, writes=True),
    AdminRow("GET", "staff.ledger_reverse", "admin:accounts_ledgertransaction_reverse",
             obj="other_top_up"),
    AdminRow("POST", "staff.ledger_reverse", "admin:accounts_ledgertransaction_reverse",
             obj="other_top_up", body={"reason": "Paid twice"}, writes=True),
    AdminRow("POST", "staff.approve_wallet_adjustment", "admin:staff_approval_approve",
             obj="approval", writes=True),
    AdminRow("POST", "staff.approve_wallet_adjustment", "admin:staff_approval_reject",
             obj="approval", body={"reason": "No."}, writes=True),
    AdminRow("GET", "staff.wallet_adjustment_request", "admin:staff_approval_wallet_adjustment"),
    AdminRow("POST", "staff.wallet_adjustment_request", "admin:staff_approval_wallet_adjustment",
             body={"email": "wallet_owner", "amount": "10.00", "reason": "Goodwill"}, writes=True),
    AdminRow("POST", "staff.roles_manage", "admin:staff_staffmember_roles", obj="person",
             body={"roles": ["auditor"]}, writes=True),
    AdminRow("GET", "staff.approve_withdrawal", "admin:payouts_payout_reconcile"),
    AdminRow("GET", "staff.approve_withdrawal", "admin:payouts_payoutbatch_export"),
    # Nothing waits for a bank file in the world: an allowed export says so (info).
    AdminRow("POST", "staff.approve_withdrawal", "admin:payouts_payoutbatch_export"),
    AdminRow("GET", "staff.approve_withdrawal", "admin:payouts_payoutbatch_download",
             obj="payout_batch"),
    AdminRow("GET", "staff.approve_withdrawal", "admin:payouts_payoutbatch_statement"),
    # Approve / Reject buttons of a loan's change page (the same services as the actions)
    AdminRow("GET", "staff.loan_decide", "admin:loans_loan_approve", obj="loan_pending"),
    AdminRow("POST", "staff.loan_decide", "admin:loans_loan_approve", obj="loan_pending",
             body={}, writes=True),
    AdminRow("GET", "staff.loan_decide", "admin:loans_loan_reject", obj="loan_pending"),
    AdminRow("POST", "staff.loan_decide", "admin:loans_loan_reject", obj="loan_pending",
             body={"reason": "Income too low"}, writes=True),
    AdminRow("POST", "staff.mfa_reset_request", "admin:staff_staffmember_mfa_reset", obj="person",
             body={"reason": "Phone lost; checked in person"}, writes=True),
]  # fmt: skip


def A(model, action, perm, obj, body=None, writes=False) -> AdminRow:
    return AdminRow("POST", perm, model=model, action=action, obj=obj, body=body, writes=writes)


ADMIN_ACTIONS = [
    A("accounts.LedgerAccount", "adjust_wallet", "staff.wallet_adjustment_request", "owner_wallet"),
    A("accounts.LedgerTransaction", "reverse_transaction", "staff.ledger_reverse", "other_top_up"),
    A("campaigns.Campaign", "activate", "staff.campaign_manage", "draft", writes=True),
    A("campaigns.Campaign", "complete", "staff.campaign_manage", "active", writes=True),
    A("campaigns.Campaign", "cancel", "staff.campaign_manage", "active", writes=True),
    A("campaigns.Campaign", "export_donations", "campaigns.view_campaign", "active"),
    A("campaigns.Donation", "refund", "staff.donation_refund", "donation", writes=True),
    A("campaigns.Donation", "export_csv", "campaigns.view_donation", "donation"),
    A("loans.Loan", "approve", "staff.loan_decide", "loan_pending", writes=True),
    A("loans.Loan", "reject", "staff.loan_decide", "loan_pending",
      {"apply": "1", "reason": "No."}, writes=True),
    A("loans.Loan", "disburse", "staff.loan_disburse", "loan_approved", writes=True),
    A("loans.Loan", "mark_defaulted", "staff.loan_mark_defaulted", "loan_active", writes=True),
    A("loans.Loan", "reschedule", "staff.loan_decide", "loan_active",
      {"apply": "1", "count": "6"}, writes=True),
    A("loans.Loan", "export_csv", "loans.view_loan", "loan_active"),
    A("loans.MurabahaContract", "acquire", "staff.murabaha_acquire", "contract_requested",
      {"apply": "1", **purchase_body()}, writes=True),
    A("loans.MurabahaContract", "rebate", "staff.loan_rebate", "contract_active",
      {"apply": "1", "amount": "10.00"}, writes=True),
    A("loans.MurabahaContract", "reschedule", "staff.loan_decide", "contract_active",
      {"apply": "1", "count": "6"}, writes=True),
    A("loans.MurabahaContract", "mark_defaulted", "staff.loan_mark_defaulted", "contract_active",
      writes=True),
    A("loans.MurabahaContract", "offer", "staff.murabaha_offer", "contract_acquired",
      {"apply": "1", "markup_amount": "50.00"}, writes=True),
    A("loans.MurabahaContract", "cancel", "staff.loan_decide", "contract_requested", writes=True),
    A("loans.MurabahaContract", "export_csv", "loans.view_murabahacontract", "contract_active"),
    A("staff.AuditEvent", "export_csv", "staff.audit_read", "audit_event"),
    A("zakat.ZakatRecord", "export_csv", "zakat.view_zakatrecord", "record"),
    # Deleting a pending record of someone else is editing their zakat records.
    A("zakat.ZakatRecord", "delete_selected", "staff.zakat_record_edit", "record",
      {"post": "yes"}, writes=True),
    A("zakat.ZakatPayment", "export_csv", "zakat.view_zakatpayment", "zakat_payment"),
    A("distribution.ZakatCase", "approve", "staff.zakat_case_decide", "case_submitted",
      {"apply": "1", "asnaf_category": "fuqara", "approved_amount": "50.00"}, writes=True),
    A("distribution.ZakatCase", "reject", "staff.zakat_case_decide", "case_submitted",
      {"apply": "1", "reason": "No."}, writes=True),
    A("distribution.ZakatCase", "request_disbursement", "staff.zakat_disbursement_request",
      "case_approved", {"apply": "1", "amount": "10.00", "method": "wallet", "source": "zakat"},
      writes=True),
    A("payouts.Payout", "settle_paid", "staff.approve_withdrawal", "payout", writes=True),
    A("payouts.Payout", "settle_failed", "staff.approve_withdrawal", "payout", writes=True),
    A("payouts.Payout", "export_csv", "payouts.view_payout", "payout"),
    # The world's payout went to another gateway: allowed, it says none waits (info).
    A("payouts.Payout", "export_bank_file", "staff.approve_withdrawal", "payout"),
    # django-axes: no permission of its own, it is offered with its changelist.
    A("axes.AccessAttempt", "cleanup_expired_attempts", "axes.view_accessattempt",
      "first:axes.AccessAttempt"),
]  # fmt: skip


def _delete_selected_rows() -> list[AdminRow]:
    """Django's own bulk delete on every other model: its model's delete permission."""
    listed = {(row.model, row.action) for row in ADMIN_ACTIONS}
    return [
        A(model._meta.label, "delete_selected",
          f"{model._meta.app_label}.delete_{model._meta.model_name}", f"first:{model._meta.label}")
        for model in admin.site._registry
        if (model._meta.label, "delete_selected") not in listed
    ]  # fmt: skip


ADMIN_ACTIONS += _delete_selected_rows()

CHANGELISTS = [
    AdminRow("GET", changelist_perm(model), f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    for model in admin.site._registry
]  # fmt: skip


# --- Discovery: new staff routes and actions must get a row ----------------------------


def _staff_gated(callback) -> bool:
    view = getattr(callback, "view_class", None) or getattr(callback, "cls", None)
    classes = getattr(view, "permission_classes", None) or []
    return any(hasattr(cls, "required") for cls in classes)  # HasPerm(...) classes


def test_every_staff_route_is_in_the_roles_matrix(django_user_model):
    listed = {(row.method, row.name) for row in API_TABLE}
    gated = {
        (method, name)
        for name, route, callback in iter_routes()
        if name and route.startswith("api/") and _staff_gated(callback)
        for method in api_methods(callback)
    }
    assert gated, "no HasPerm-gated API route found: the discovery is broken"
    assert gated - listed == set(), "staff API routes missing from the roles matrix"

    custom = {
        name
        for name, route, _ in iter_routes()
        if name
        and name.startswith("admin:")
        and not name.endswith(("_changelist", "_add", "_change", "_delete", "_history"))
        and route.count("/") > 2
        and name.split(":")[1].split("_")[0]
        in ("accounts", "campaigns", "loans", "staff", "zakat", "payouts")
    }
    assert custom - {row.name for row in ADMIN_VIEWS} == set(), "admin views missing"

    request = RequestFactory().get("/admin/")
    request.user = django_user_model(is_staff=True, is_superuser=True, is_active=True)
    offered = {
        (model._meta.label, name)
        for model, model_admin in admin.site._registry.items()
        for name in model_admin.get_actions(request)
    }
    listed_actions = {(row.model, row.action) for row in ADMIN_ACTIONS}
    assert offered - listed_actions == set(), "admin actions missing from the roles matrix"
    assert {row.model for row in ADMIN_ACTIONS} <= {m._meta.label for m in admin.site._registry}


# --- The people and the cells ----------------------------------------------------------


@pytest.fixture(scope="module")
def roles_world(world: World, django_db_blocker) -> World:
    """The module's world plus one staff member per role, and the admin's subjects."""
    with django_db_blocker.unblock():
        for role in ROLE_NAMES:
            world.users[role] = staff_with(role)
        owner, other = world.users["owner"], world.users["other"]
        o = world.objects
        o["owner_wallet"] = LedgerAccount.objects.get(kind=LedgerAccount.Kind.WALLET, owner=owner)
        # The other user's top-up, unspent: a reversal of it can go through.
        o["other_top_up"] = LedgerTransaction.objects.filter(
            kind=LedgerTransaction.Kind.TOP_UP, entries__account__owner=other
        ).first()
        from staff.models import AuditEvent

        o["audit_event"] = AuditEvent.objects.order_by("at").first()
        # A withdrawal handed to a provider that confirms later: in transit, settleable.
        from django.test import override_settings

        from payouts import services as payout_services

        with override_settings(PAYOUT_GATEWAY="tests.payouts.gateways.DeferredPayoutGateway"):
            payout = payout_services.withdrawal_create(
                user=owner, amount=Decimal("20.00"), payout_account=o["payout_account"]
            )
            o["payout"] = payout_services.payout_send(payout_id=payout.pk)
        # A bank file (PAYOUT_GATEWAY=bankfile) holding another withdrawal.
        with override_settings(
            PAYOUT_GATEWAY="bankfile",
            BANKFILE_DEBTOR_NAME="OSE Institution",
            BANKFILE_DEBTOR_IBAN="DE02120300000000202051",
        ):
            banked = payout_services.withdrawal_create(
                user=owner, amount=Decimal("5.00"), payout_account=o["payout_account"]
            )
            payout_services.payout_send(payout_id=banked.pk)
            o["payout_batch"] = payout_services.payout_batch_export(by=None)
    return world


def _value(world: World, value):
    if isinstance(value, str) and value.startswith("first:"):
        from django.apps import apps

        first = apps.get_model(value.removeprefix("first:"))._base_manager.first()
        return str(first.pk) if first else "1"
    if isinstance(value, str) and value in world.objects:
        obj = world.objects[value]
        return obj.email if hasattr(obj, "email") and value == "wallet_owner" else str(obj.pk)
    if isinstance(value, list):
        return value
    return value


def _api_body(world: World, body):
    if body is None:
        return {}
    resolved = {k: _value(world, v) for k, v in body.items()}
    if "user_id" in body:
        resolved["user_id"] = world.pk(body["user_id"])
    return resolved


def _cell(write: bool, run) -> tuple:
    """Run one request in a savepoint rolled back after, with snapshots around writes."""
    with transaction.atomic():
        before = db_snapshot() if write else None
        response, outcome_allowed = run()
        changed = snapshot_diff(before, db_snapshot()) if write else []
        transaction.set_rollback(True)
    return response, outcome_allowed, changed


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLE_NAMES)
@pytest.mark.parametrize("row", API_TABLE, ids=lambda row: row.id)
def test_api_cell(row: ApiRow, role: str, roles_world: World):
    world = roles_world
    client = APIClient()
    client.force_authenticate(world.users[role])
    url = reverse(row.name, kwargs={"pk": world.pk(row.obj)} if row.obj else {})
    expected = holds(role, row.perm)

    def run():
        if row.method == "GET":
            response = client.get(url)
        else:
            call = getattr(client, row.method.lower())
            response = call(url, _api_body(world, row.body), format="json")
        return response, response.status_code in ALLOWED_STATUSES

    response, allowed, changed = _cell(row.method != "GET", run)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    detail = f"{role} {row.id}: {response.status_code} {body[:300]!r}"
    if expected and row.method != "GET":
        assert changed, f"allowed but nothing changed; {detail}"
    if expected:
        assert allowed, f"expected allowed ({row.perm}); {detail}"
    else:
        assert response.status_code == 403, f"expected 403 (lacks {row.perm}); {detail}"
        assert not changed, f"refused but changed {changed}; {detail}"


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLE_NAMES)
@pytest.mark.parametrize("row", PAGE_TABLE, ids=lambda row: row.id)
def test_page_cell(row: ApiRow, role: str, roles_world: World):
    world = roles_world
    client = Client()
    client.force_login(world.users[role])
    url = reverse(row.name, kwargs={"pk": world.pk(row.obj)} if row.obj else {})
    expected = holds(role, row.perm)
    write = row.method == "POST"

    def run():
        response = client.post(url, row.body or {}) if write else client.get(url)
        if write:  # a page POST that answers 200 showed its form again: refused
            return response, response.status_code == 302 and _admin_outcome(response)
        return response, response.status_code == 200

    response, allowed, changed = _cell(write, run)
    shown = [str(m) for m in get_messages(response.wsgi_request)]
    detail = f"{role} {row.id}: {response.status_code} {shown} {response.content[:200]!r}"
    if expected:
        assert allowed, f"expected allowed ({row.perm}); {detail}"
        if write:
            assert changed, f"allowed but nothing changed; {detail}"
    else:
        assert not allowed, f"expected refused (lacks {row.perm}); {detail}"
        assert response.status_code in (200, 302, 403) if write else response.status_code == 403
        assert not changed, f"refused but changed {changed}; {detail}"


def _admin_outcome(response) -> bool:
    """Allowed: a 2xx or a 302 that is neither to the login page nor carries an error
    or a warning. The admin refuses an action it does not offer the user with "No
    action selected." (a warning), or, when it offers them no action at all, by
    showing the changelist again as if nothing was posted."""
    if response.request["REQUEST_METHOD"] == "POST" and _shows_changelist(response):
        return False
    if response.status_code == 302 and "/admin/login/" in response.get("Location", ""):
        return False
    if response.status_code not in ALLOWED_STATUSES | {302}:
        return False
    levels = {m.level for m in get_messages(response.wsgi_request)}
    return not levels & {messages.ERROR, messages.WARNING}


def _shows_changelist(response) -> bool:
    return response.status_code == 200 and bool(response.context) and "cl" in response.context


def _check_admin(row: AdminRow, role: str, world: World, url: str, body: dict | None):
    client = Client()
    client.force_login(world.users[role])
    expected = holds(role, row.perm)
    write = row.method == "POST"

    def run():
        response = client.get(url) if row.method == "GET" else client.post(url, body or {})
        return response, _admin_outcome(response)

    response, allowed, changed = _cell(write, run)
    shown = [str(m) for m in get_messages(response.wsgi_request)]
    detail = f"{role} {row.id}: {response.status_code} {shown} {response.content[:200]!r}"
    if expected:
        assert allowed, f"expected allowed ({row.perm}); {detail}"
        if row.writes:
            assert changed, f"allowed but nothing changed; {detail}"
    else:
        assert not allowed, f"expected refused (lacks {row.perm}); {detail}"
        assert response.status_code in (403, 302) or _shows_changelist(response), detail
        assert not changed, f"refused but changed {changed}; {detail}"


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLE_NAMES)
@pytest.mark.parametrize("row", CHANGELISTS, ids=lambda row: row.id)
def test_admin_changelist_cell(row: AdminRow, role: str, roles_world: World):
    _check_admin(row, role, roles_world, reverse(row.name), None)


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLE_NAMES)
@pytest.mark.parametrize("row", ADMIN_VIEWS, ids=lambda row: row.id)
def test_admin_view_cell(row: AdminRow, role: str, roles_world: World):
    world = roles_world
    args = [world.pk(row.obj)] if row.obj else []
    body = {k: _value(world, v) for k, v in (row.body or {}).items()}
    _check_admin(row, role, world, reverse(row.name, args=args), body)


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLE_NAMES)
@pytest.mark.parametrize("row", ADMIN_ACTIONS, ids=lambda row: row.id)
def test_admin_action_cell(row: AdminRow, role: str, roles_world: World):
    world = roles_world
    app_label, model_name = row.model.lower().split(".")
    url = reverse(f"admin:{app_label}_{model_name}_changelist")
    body = {
        "action": row.action,
        admin.helpers.ACTION_CHECKBOX_NAME: _value(world, row.obj),
        **(row.body or {}),
    }
    _check_admin(row, role, world, url, body)


def test_matrix_size():
    """The matrix's cell count, for the record (six roles by every row)."""
    rows = (
        len(API_TABLE) + len(PAGE_TABLE) + len(CHANGELISTS) + len(ADMIN_VIEWS) + len(ADMIN_ACTIONS)
    )
    assert rows * len(ROLE_NAMES) >= 6 * 60


# --- The three holes of issue 13 -------------------------------------------------------
# Each test below failed on the code before staff roles (274e5a0^). Related tests
# elsewhere: tests/accounts/test_admin.py (a loan officer's adjust is 403, the admin
# refuses an adjustment of one's own wallet), tests/staff/test_api.py (the API's
# adjustments: bare staff 403, own wallet conflict_of_interest, huge amounts 400) and
# tests/staff/test_admin.py (the adjustment page's own wallet and huge amounts).


def _bare_staff():
    """`is_staff` and no permission at all: what every staff member used to be."""
    return UserFactory(is_staff=True, roles=[])


def _top_up_of(user) -> LedgerTransaction:
    return LedgerTransaction.objects.filter(
        kind=LedgerTransaction.Kind.TOP_UP, entries__account__owner=user
    ).get()


def _admin_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.django_db
def test_hole_staff_without_permissions_cannot_adjust_or_reverse_any_wallet_in_the_admin():
    """Hole 1: `adjust_view` and `reverse_view` checked `is_staff` only, so a staff
    member holding no permission adjusted or reversed any wallet, their own too.
    Now both answer 403 to anyone without the permission and nothing is written."""
    someone, bare = UserFactory(), _bare_staff()
    fund_wallet(someone, "40.00")
    fund_wallet(bare, "40.00")
    client = _admin_client(bare)
    before = db_snapshot()

    answers = []
    for user in (someone, bare):  # another's wallet and one's own
        wallet = LedgerAccount.objects.get(kind=LedgerAccount.Kind.WALLET, owner=user)
        adjust = reverse("admin:accounts_ledgeraccount_adjust", args=[wallet.pk])
        undo = reverse("admin:accounts_ledgertransaction_reverse", args=[_top_up_of(user).pk])
        answers += [
            client.get(adjust).status_code,
            client.post(adjust, {"amount": "1000.00", "reason": "Mine now"}).status_code,
            client.get(undo).status_code,
            client.post(undo, {"reason": "Undo"}).status_code,
        ]

    assert answers == [403] * 8
    assert snapshot_diff(before, db_snapshot()) == []


@pytest.mark.django_db
def test_hole_no_one_adjusts_or_reverses_their_own_wallet():
    """Hole 1: `wallet_adjust` had no self-check, and a reversal of a posting on
    one's own wallet went through. Now both raise conflict_of_interest (403), in
    the services, for someone holding the permissions; the admin shows the refusal
    and writes nothing."""
    finance = staff_with("finance")
    fund_wallet(finance, "40.00")
    own_top_up = _top_up_of(finance)
    client = _admin_client(finance)  # signing in writes last_login: before the snapshot
    before = db_snapshot()

    with pytest.raises(ConflictOfInterest) as adjusted:
        ledger_services.wallet_adjust(
            user=finance, amount=Decimal("25.00"), reason="Mine", by=finance
        )
    with pytest.raises(ConflictOfInterest) as reversed_:
        ledger_services.ledger_reverse(original=own_top_up, reason="Mine", by=finance)
    page = client.post(
        reverse("admin:accounts_ledgertransaction_reverse", args=[own_top_up.pk]),
        {"reason": "Mine"},
    )

    assert adjusted.value.code == reversed_.value.code == "conflict_of_interest"
    assert adjusted.value.status == 403
    assert page.status_code == 200
    assert "own wallet" in page.content.decode()
    assert snapshot_diff(before, db_snapshot()) == []


@pytest.mark.django_db
def test_hole_a_huge_wallet_adjustment_is_a_validation_error_not_a_500():
    """Hole 1: `wallet_adjust` had no upper bound: 9999999999999999.99 reached the
    database and overflowed the balance column (a 500). Now the service refuses it
    as invalid (400) before anything is written, and the admin form shows it."""
    someone, finance = UserFactory(), staff_with("finance")
    fund_wallet(someone, "40.00")
    wallet = LedgerAccount.objects.get(kind=LedgerAccount.Kind.WALLET, owner=someone)
    client = _admin_client(finance)
    before = db_snapshot()

    with pytest.raises(ValidationError) as refused:
        ledger_services.wallet_adjust(
            user=someone, amount=Decimal("9999999999999999.99"), reason="Oops", by=finance
        )
    page = client.post(
        reverse("admin:accounts_ledgeraccount_adjust", args=[wallet.pk]),
        {"amount": "9999999999999999.99", "reason": "Oops"},
    )

    assert "amount" in refused.value.message_dict
    assert page.status_code == 200  # the form again, with the error; not a 500
    assert page.context["form"].errors
    assert snapshot_diff(before, db_snapshot()) == []


def _viewer(*perms: str):
    """Staff holding only Django's view permissions `perms` ("app.codename")."""
    user = _bare_staff()
    for perm in perms:
        app_label, codename = perm.split(".")
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )
    return UserFactory._meta.model.objects.get(pk=user.pk)  # a fresh permission cache


def _post_action(client: Client, model, action: str, obj, **extra):
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    return client.post(
        url, {"action": action, admin.helpers.ACTION_CHECKBOX_NAME: str(obj.pk), **extra}
    )


@pytest.mark.django_db
def test_hole_a_donation_viewer_cannot_refund():
    """Hole 2: the campaign admin's actions declared no `permissions=`, so anyone who
    could see the donations list (campaigns.view_donation) could run "refund". Now
    the action is not offered to them, the API refund is 403, and no row changes."""
    world = build_world()
    donation = world.objects["donation"]
    viewer = _viewer("campaigns.view_donation", "campaigns.view_campaign")
    client = _admin_client(viewer)
    before = db_snapshot()

    listed = client.get(reverse("admin:campaigns_donation_changelist"))
    admin_refund = _post_action(client, Donation, "refund", donation)
    campaign_moves = [
        _post_action(client, Campaign, action, world.objects[obj])
        for action, obj in (("activate", "draft"), ("complete", "active"), ("cancel", "active"))
    ]
    api_refund = api_client_for(World(users={"viewer": viewer}), "viewer").post(
        reverse("api:v1:donation-refund", kwargs={"pk": donation.pk})
    )

    assert listed.status_code == 200  # they do see the list
    offered = [name for name, _ in listed.context["action_form"].fields["action"].choices]
    assert "refund" not in offered
    for response in (admin_refund, *campaign_moves):
        assert not _admin_outcome(response), response.status_code
    assert api_refund.status_code == 403
    assert snapshot_diff(before, db_snapshot()) == []
    donation.refresh_from_db()
    assert donation.status == Donation.Status.COMPLETED


@pytest.mark.django_db
def test_hole_a_loan_viewer_cannot_run_the_loan_actions():
    """Hole 2, loans: the loan and murabaha admin actions declared no `permissions=`,
    so a viewer of the lists could approve, disburse, write off, acquire, offer and
    cancel. Now none of them is offered to a viewer and nothing changes."""
    world = build_world()
    o = world.objects
    viewer = _viewer("loans.view_loan", "loans.view_murabahacontract")
    client = _admin_client(viewer)
    before = db_snapshot()

    responses = [
        _post_action(client, Loan, "approve", o["loan_pending"]),
        _post_action(client, Loan, "reject", o["loan_pending"]),
        _post_action(client, Loan, "disburse", o["loan_approved"]),
        _post_action(client, Loan, "mark_defaulted", o["loan_active"]),
        _post_action(client, MurabahaContract, "acquire", o["contract_requested"]),
        _post_action(
            client,
            MurabahaContract,
            "offer",
            o["contract_acquired"],
            apply="1",
            markup_amount="50.00",
        ),
        _post_action(client, MurabahaContract, "cancel", o["contract_requested"]),
    ]

    assert [_admin_outcome(r) for r in responses] == [False] * len(responses)
    assert snapshot_diff(before, db_snapshot()) == []


@pytest.mark.django_db
def test_hole_no_one_deals_a_murabaha_with_themselves():
    """Hole 3: one staff member could request a murabaha as its customer, then
    acquire the asset and make the offer on their own contract, and accept it: both
    sides of one sale. Now acquiring or offering on one's own contract is 403
    conflict_of_interest (API and admin) and moves nothing; a colleague may."""
    officer, colleague = staff_with("loan_officer"), staff_with("loan_officer")
    client = api_client_for(World(users={"officer": officer}), "officer")
    requested = client.post(
        reverse("api:v1:murabaha-list"),
        {"asset_description": "Oven", "cost_price": "800.00", "installments_count": 4},
        format="json",
    )
    assert requested.status_code == 201, requested.content
    contract = MurabahaContract.objects.get(pk=requested.json()["id"])
    admin_client = _admin_client(officer)
    before = db_snapshot()

    acquire = client.post(
        reverse("api:v1:murabaha-acquire", kwargs={"pk": contract.pk}),
        purchase_body(),
        format="json",
    )
    admin_acquire = _post_action(
        admin_client, MurabahaContract, "acquire", contract, apply="1", **purchase_body()
    )

    assert (acquire.status_code, acquire.json()["error"]) == (403, "conflict_of_interest")
    assert not _admin_outcome(admin_acquire)
    assert snapshot_diff(before, db_snapshot()) == []

    acquired = loan_services.murabaha_acquire(contract=contract, by=colleague, **purchase())
    before = db_snapshot()
    offer = client.post(
        reverse("api:v1:murabaha-offer", kwargs={"pk": acquired.pk}),
        {"markup_amount": "50.00"},
        format="json",
    )
    admin_offer = _post_action(
        admin_client, MurabahaContract, "offer", acquired,
        apply="1", markup_amount="50.00",
    )  # fmt: skip

    assert (offer.status_code, offer.json()["error"]) == (403, "conflict_of_interest")
    assert not _admin_outcome(admin_offer)
    assert snapshot_diff(before, db_snapshot()) == []
    acquired.refresh_from_db()
    assert acquired.status == MurabahaContract.Status.ASSET_ACQUIRED
