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

import pytest
from django.contrib import admin, messages
from django.contrib.messages import get_messages
from django.db import transaction
from django.test import Client, RequestFactory
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import LedgerAccount, LedgerTransaction
from staff.roles import ROLE_NAMES, ROLES_BY_NAME
from tests.helpers import World, db_snapshot, snapshot_diff
from tests.security.test_authz_matrix import api_methods, iter_routes
from tests.staff.factories import staff_with

ALLOWED_STATUSES = {200, 201, 202, 204}


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
    ApiRow("POST", V1 + "murabaha-acquire", "staff.murabaha_acquire", "contract_requested"),
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
    # Owned routes staff act on, for someone else, by permission (checked in services).
    ApiRow("PATCH", V1 + "campaign", "staff.campaign_manage", "active", {"name": "Renamed"}),
    ApiRow("PUT", V1 + "zakat-record", "staff.zakat_record_edit", "record",
           {"payer_id": "payer-9999", "wealth_amount": "20000.00", "nisab_threshold": "5000.00"}),
    ApiRow("PATCH", V1 + "zakat-record", "staff.zakat_record_edit", "record",
           {"wealth_amount": "12000.00"}),
    ApiRow("DELETE", V1 + "zakat-record", "staff.zakat_record_edit", "record"),
    ApiRow("POST", V1 + "loan-repayment", "staff.loan_record_payment", "loan_active",
           {"payment_amount": "10.00"}),
    ApiRow("POST", V1 + "murabaha-payments", "staff.loan_record_payment", "contract_active",
           {"amount": "10.00"}),
    ApiRow("POST", V1 + "murabaha-cancel", "staff.loan_decide", "contract_requested"),
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
    A("loans.Loan", "reject", "staff.loan_decide", "loan_pending", writes=True),
    A("loans.Loan", "disburse", "staff.loan_disburse", "loan_approved", writes=True),
    A("loans.Loan", "mark_defaulted", "staff.loan_mark_defaulted", "loan_active", writes=True),
    A("loans.Loan", "export_csv", "loans.view_loan", "loan_active"),
    A("loans.MurabahaContract", "acquire", "staff.murabaha_acquire", "contract_requested",
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
        and name.split(":")[1].split("_")[0] in ("accounts", "campaigns", "loans", "staff", "zakat")
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
    detail = f"{role} {row.id}: {response.status_code} {response.content[:300]!r}"
    if expected:
        assert allowed, f"expected allowed ({row.perm}); {detail}"
    else:
        assert response.status_code == 403, f"expected 403 (lacks {row.perm}); {detail}"
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
    rows = len(API_TABLE) + len(CHANGELISTS) + len(ADMIN_VIEWS) + len(ADMIN_ACTIONS)
    assert rows * len(ROLE_NAMES) >= 6 * 60
