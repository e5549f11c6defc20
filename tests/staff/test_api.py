"""The staff API: wallet adjustments' old holes, roles, lists and their query counts."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts import selectors as account_selectors
from staff import services
from staff.models import Approval, AuditEvent
from tests.factories import UserFactory
from tests.staff.conftest import client_for
from tests.staff.factories import staff_with

pytestmark = pytest.mark.django_db

ADJUST = "/api/v1/wallet-adjustments"


def adjust_body(user, amount="10.00", reason="Goodwill"):
    return {"user_id": str(user.pk), "amount": amount, "reason": reason}


# --- wallet adjustments: the holes of issue 13 ---------------------------------------


def test_staff_without_the_permission_cannot_adjust(donor):
    response = client_for(UserFactory(is_staff=True, roles=[])).post(
        ADJUST, adjust_body(donor), format="json"
    )

    assert response.status_code == 403
    assert response.json()["error"] == "permission_denied"
    assert not Approval.objects.exists()


@pytest.mark.parametrize("role", ["auditor", "loan_officer", "administrator"])
def test_other_roles_cannot_adjust(role, donor):
    response = client_for(staff_with(role)).post(ADJUST, adjust_body(donor), format="json")

    assert response.status_code == 403


def test_nobody_adjusts_their_own_wallet(finance):
    response = client_for(finance).post(ADJUST, adjust_body(finance), format="json")

    assert response.status_code == 403
    assert response.json()["error"] == "conflict_of_interest"
    assert not Approval.objects.exists()


def test_nobody_adjusts_their_own_wallet_even_single_step(finance, settings):
    settings.FOUR_EYES = []

    response = client_for(finance).post(ADJUST, adjust_body(finance), format="json")

    assert response.status_code == 403
    assert account_selectors.wallet_for(user=finance) is None


@pytest.mark.parametrize(
    "amount", ["9999999999999999.99", "-9999999999999999.99", "10000.01", "-10000.01"]
)
def test_huge_amounts_are_400_not_500(finance, donor, amount):
    response = client_for(finance).post(ADJUST, adjust_body(donor, amount), format="json")

    assert response.status_code == 400, response.content
    body = response.json()
    assert body["error"] == "validation_error"
    assert "amount" in body["details"]
    assert not Approval.objects.exists()


def test_the_upper_bound_is_a_setting(finance, donor, settings):
    settings.WALLET_ADJUSTMENT_MAX = "50.00"

    over = client_for(finance).post(ADJUST, adjust_body(donor, "50.01"), format="json")
    at = client_for(finance).post(ADJUST, adjust_body(donor, "-50.00"), format="json")

    assert over.status_code == 400
    assert at.status_code == 202


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"amount": "0.00"}, "amount"),
        ({"amount": "1.234"}, "amount"),
        ({"reason": ""}, "reason"),
        ({"reason": "   "}, "reason"),
        ({"user_id": "6f1c7a0e-3b7c-4d7e-9a55-2d1f0e2c9b11"}, "user_id"),
    ],
)
def test_bad_adjustments_are_400(finance, donor, body, field):
    response = client_for(finance).post(ADJUST, {**adjust_body(donor), **body}, format="json")

    assert response.status_code == 400, response.content
    assert field in response.json()["details"]


def test_a_debit_beyond_the_balance_is_refused_at_approval_not_at_request(finance, finance2, donor):
    response = client_for(finance).post(ADJUST, adjust_body(donor, "-150.00"), format="json")
    assert response.status_code == 202

    approve = client_for(finance2).post(
        f"/api/v1/approvals/{response.json()['approval']['id']}/approve"
    )

    assert approve.status_code == 402
    assert approve.json()["error"] == "insufficient_funds"


# --- roles ---------------------------------------------------------------------------


def test_roles_lists_the_six_with_their_permissions(finance):
    response = client_for(finance).get("/api/v1/roles")

    assert response.status_code == 200
    body = {role["name"]: role for role in response.json()}
    assert set(body) == {
        "administrator",
        "finance",
        "zakat_officer",
        "loan_officer",
        "campaign_manager",
        "auditor",
    }
    assert "staff.approve_wallet_adjustment" in body["finance"]["permissions"]
    assert body["auditor"]["description"].startswith("Reads every staff list")


def test_administrator_sets_roles_and_they_show_in_me(user):
    administrator = staff_with("administrator")

    response = client_for(administrator).put(
        f"/api/v1/users/{user.pk}/roles", {"roles": ["finance", "auditor"]}, format="json"
    )

    assert response.status_code == 200, response.content
    assert response.json() == {
        "id": str(user.pk),
        "email": user.email,
        "name": user.name,
        "is_staff": True,
        "roles": ["auditor", "finance"],
    }
    user.refresh_from_db()
    me = client_for(user).get("/api/v1/auth/me").json()
    assert me["roles"] == ["auditor", "finance"]
    assert me["is_staff"] is True
    event = AuditEvent.objects.get(action="roles.set")
    assert event.actor == administrator


def test_empty_roles_remove_staff(user):
    administrator = staff_with("administrator")
    user.is_staff = True
    user.save()
    user.groups.add(Group.objects.get(name="finance"))

    response = client_for(administrator).put(
        f"/api/v1/users/{user.pk}/roles", {"roles": []}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["is_staff"] is False
    assert response.json()["roles"] == []


def test_own_roles_are_a_conflict_of_interest():
    administrator = staff_with("administrator")

    response = client_for(administrator).put(
        f"/api/v1/users/{administrator.pk}/roles", {"roles": ["finance"]}, format="json"
    )

    assert response.status_code == 403
    assert response.json()["error"] == "conflict_of_interest"
    assert not administrator.groups.filter(name="finance").exists()


def test_unknown_role_is_400(user):
    response = client_for(staff_with("administrator")).put(
        f"/api/v1/users/{user.pk}/roles", {"roles": ["wizard"]}, format="json"
    )

    assert response.status_code == 400
    assert "roles" in response.json()["details"]


def test_only_administrators_set_roles(user, finance):
    response = client_for(finance).put(
        f"/api/v1/users/{user.pk}/roles", {"roles": ["finance"]}, format="json"
    )

    assert response.status_code == 403
    user.refresh_from_db()
    assert not user.is_staff


def test_unknown_user_is_404():
    response = client_for(staff_with("administrator")).put(
        "/api/v1/users/6f1c7a0e-3b7c-4d7e-9a55-2d1f0e2c9b11/roles", {"roles": []}, format="json"
    )

    assert response.status_code == 404


# --- lists ---------------------------------------------------------------------------


def _approvals(n, *, requester, donor):
    for i in range(n):
        services.wallet_adjustment_request(
            user=donor, amount=Decimal("1.00") + i, reason=f"Goodwill {i}", by=requester
        )


def _count(client, url) -> int:
    client.get(url)  # warm
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, response.content
    return len(ctx.captured_queries)


@pytest.mark.parametrize("who", ["finance", "auditor", "superuser"])
def test_approvals_list_costs_the_same_queries_at_1_and_many_rows(
    who, finance, donor, django_assert_num_queries
):
    viewer = (
        UserFactory(is_staff=True, is_superuser=True) if who == "superuser" else staff_with(who)
    )
    client = client_for(viewer)
    _approvals(1, requester=finance, donor=donor)
    one = _count(client, "/api/v1/approvals")
    _approvals(30, requester=finance, donor=donor)
    many = _count(client, "/api/v1/approvals?limit=100")

    assert one == many
    with django_assert_num_queries(many):
        response = client.get("/api/v1/approvals?limit=100")
    assert len(response.json()["items"]) == 31


def test_approvals_list_newest_first_and_filters(finance, finance2, donor):
    _approvals(3, requester=finance, donor=donor)
    first = Approval.objects.order_by("requested_at").first()
    services.approval_reject(approval=first, by=finance2, reason="No")
    client = client_for(finance2)

    items = client.get("/api/v1/approvals").json()["items"]
    pending = client.get("/api/v1/approvals?status=pending").json()["items"]
    kind = client.get("/api/v1/approvals?kind=write_off").json()["items"]

    stamps = [item["requested_at"] for item in items]
    assert stamps == sorted(stamps, reverse=True)
    assert len(pending) == 2
    assert kind == []
    assert client.get("/api/v1/approvals?status=").status_code == 400
    assert client.get("/api/v1/approvals?status=nope").status_code == 400


def test_approval_detail(finance, donor):
    _approvals(1, requester=finance, donor=donor)
    approval = Approval.objects.get()

    response = client_for(staff_with("auditor")).get(f"/api/v1/approvals/{approval.pk}")

    assert response.status_code == 200
    assert response.json()["id"] == str(approval.pk)
    assert response.json()["decided_by"] is None


@pytest.mark.parametrize("who", ["auditor", "administrator"])
def test_audit_events_list_costs_the_same_queries_at_1_and_many_rows(
    who, finance, donor, django_assert_num_queries
):
    client = client_for(staff_with(who))
    _approvals(1, requester=finance, donor=donor)
    one = _count(client, "/api/v1/audit-events")
    _approvals(30, requester=finance, donor=donor)
    many = _count(client, "/api/v1/audit-events?limit=100")

    assert one == many
    with django_assert_num_queries(many):
        response = client.get("/api/v1/audit-events?limit=100")
    assert len(response.json()["items"]) == AuditEvent.objects.count() > 31


def test_audit_events_filters_and_shape(finance, donor):
    _approvals(2, requester=finance, donor=donor)
    client = client_for(staff_with("auditor"))

    by_actor = client.get(f"/api/v1/audit-events?actor={finance.pk}").json()["items"]
    by_action = client.get("/api/v1/audit-events?action=approval.requested").json()["items"]
    by_subject = client.get(f"/api/v1/audit-events?subject_id={donor.pk}").json()["items"]
    bystander = UserFactory()
    nobody = client.get(f"/api/v1/audit-events?actor={bystander.pk}").json()["items"]

    assert len(by_actor) == len(by_action) == len(by_subject) == 2
    assert nobody == []
    assert set(by_actor[0]) == {
        "id",
        "at",
        "actor_id",
        "actor_email",
        "action",
        "subject_type",
        "subject_id",
        "request_id",
        "changes",
        "reason",
    }
    assert by_actor[0]["actor_email"] == finance.email
    assert client.get("/api/v1/audit-events?actor=not-a-uuid").status_code == 400


@pytest.mark.parametrize("role", ["finance", "loan_officer", "campaign_manager", "zakat_officer"])
def test_audit_events_only_for_auditors_and_administrators(role):
    assert client_for(staff_with(role)).get("/api/v1/audit-events").status_code == 403


# --- settings ------------------------------------------------------------------------


def test_deploy_check_warns_when_four_eyes_is_empty(settings):
    from staff.checks import four_eyes_in_production

    settings.FOUR_EYES = []
    assert [m.id for m in four_eyes_in_production(None)] == ["staff.W001"]
    settings.FOUR_EYES = ["wallet_adjustment"]
    assert four_eyes_in_production(None) == []


def test_unknown_four_eyes_kinds_are_an_error(settings):
    from staff.checks import four_eyes_kinds_known

    settings.FOUR_EYES = ["wallet_adjustment", "coffee"]
    assert [m.id for m in four_eyes_kinds_known(None)] == ["staff.E001"]


def test_four_eyes_default_is_every_kind_of_the_contract(settings):
    from staff.roles import APPROVAL_KINDS

    assert sorted(settings.FOUR_EYES) == sorted(APPROVAL_KINDS)
    call_command("check")
