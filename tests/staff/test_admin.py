"""The staff admin screens: approvals queue buttons, audit trail, roles."""

from decimal import Decimal

import pytest

from accounts import selectors as account_selectors
from staff import services
from staff.models import Approval, AuditEvent
from tests.factories import UserFactory
from tests.staff.factories import staff_with

pytestmark = pytest.mark.django_db


@pytest.fixture
def pending(finance, donor):
    return services.wallet_adjustment_request(
        user=donor, amount=Decimal("30.00"), reason="Goodwill", by=finance
    ).approval


def signed_in(client, user):
    client.force_login(user)
    return client


def balance(user) -> Decimal:
    return account_selectors.wallet_for(user=user).balance


def test_queue_lists_and_shows_buttons_to_a_checker(client, finance2, pending):
    signed_in(client, finance2)

    listing = client.get("/admin/staff/approval/?status__exact=pending")
    page = client.get(f"/admin/staff/approval/{pending.pk}/change/")

    assert listing.status_code == 200
    assert str(pending.requested_by.email) in listing.content.decode()
    assert page.status_code == 200
    assert "Approve and execute" in page.content.decode()


def test_requester_sees_own_pending_and_may_only_withdraw(client, finance, pending):
    signed_in(client, finance)

    mine = client.get("/admin/staff/approval/?requested_by=me")
    page = client.get(f"/admin/staff/approval/{pending.pk}/change/").content.decode()

    assert mine.status_code == 200
    assert str(pending.pk) in mine.content.decode()
    assert "Approve and execute" not in page
    assert "Withdraw my request" in page


def test_approve_button_executes_once(client, finance2, donor, pending):
    signed_in(client, finance2)

    response = client.post(f"/admin/staff/approval/{pending.pk}/approve/")
    client.post(f"/admin/staff/approval/{pending.pk}/approve/")

    assert response.status_code == 302
    pending.refresh_from_db()
    assert pending.status == Approval.Status.EXECUTED
    assert balance(donor) == Decimal("130.00")


def test_approve_button_refuses_the_requester(client, finance, donor, pending):
    signed_in(client, finance)

    client.post(f"/admin/staff/approval/{pending.pk}/approve/")

    pending.refresh_from_db()
    assert pending.status == Approval.Status.PENDING
    assert balance(donor) == Decimal("100.00")


def test_reject_button_needs_a_reason_and_moves_nothing(client, finance2, donor, pending):
    signed_in(client, finance2)

    client.post(f"/admin/staff/approval/{pending.pk}/reject/", {"reason": ""})
    pending.refresh_from_db()
    assert pending.is_pending
    client.post(f"/admin/staff/approval/{pending.pk}/reject/", {"reason": "Not owed"})

    pending.refresh_from_db()
    assert pending.status == Approval.Status.REJECTED
    assert balance(donor) == Decimal("100.00")


def test_staff_without_a_role_cannot_use_the_buttons(client, donor, pending):
    signed_in(client, UserFactory(is_staff=True, roles=[]))  # is_staff alone, no role

    assert client.get(f"/admin/staff/approval/{pending.pk}/change/").status_code == 403
    assert client.post(f"/admin/staff/approval/{pending.pk}/approve/").status_code == 403
    pending.refresh_from_db()
    assert pending.is_pending


def test_wallet_adjustment_request_page(client, finance, donor):
    signed_in(client, finance)

    page = client.get("/admin/staff/approval/wallet-adjustment/")
    response = client.post(
        "/admin/staff/approval/wallet-adjustment/",
        {"email": donor.email, "amount": "12.50", "reason": "Goodwill"},
    )

    assert page.status_code == 200
    assert response.status_code == 302
    approval = Approval.objects.get()
    assert approval.amount == Decimal("12.50")
    assert approval.is_pending


def test_wallet_adjustment_page_refuses_own_wallet_and_huge_amounts(client, finance):
    signed_in(client, finance)

    own = client.post(
        "/admin/staff/approval/wallet-adjustment/",
        {"email": finance.email, "amount": "12.50", "reason": "Me"},
    )
    huge = client.post(
        "/admin/staff/approval/wallet-adjustment/",
        {"email": "x@example.org", "amount": "9999999999999999.99", "reason": "Oops"},
    )

    assert own.status_code == 200
    assert "own wallet" in own.content.decode()
    assert huge.status_code == 200
    assert not Approval.objects.exists()


def test_wallet_adjustment_page_needs_the_permission(client):
    signed_in(client, staff_with("auditor"))

    assert client.get("/admin/staff/approval/wallet-adjustment/").status_code == 403


def test_audit_admin_is_read_only_with_filters_and_csv(client, pending):
    auditor = staff_with("auditor")
    signed_in(client, auditor)
    event = AuditEvent.objects.get(action="approval.requested")

    listing = client.get("/admin/staff/auditevent/?action=approval.requested&q=approval")
    detail = client.get(f"/admin/staff/auditevent/{event.pk}/change/")
    add = client.get("/admin/staff/auditevent/add/")
    delete = client.post(f"/admin/staff/auditevent/{event.pk}/delete/", {"post": "yes"})
    export = client.post(
        "/admin/staff/auditevent/",
        {"action": "export_csv", "_selected_action": [event.pk]},
    )

    assert listing.status_code == 200
    assert detail.status_code == 200
    assert 'name="_save"' not in detail.content.decode()
    assert add.status_code == 403
    assert delete.status_code == 403
    assert AuditEvent.objects.filter(pk=event.pk).exists()
    assert export.status_code == 200
    assert export["Content-Type"].startswith("text/csv")
    assert "approval.requested" in export.content.decode()


def test_audit_admin_is_closed_to_finance(client, finance):
    signed_in(client, finance)

    assert client.get("/admin/staff/auditevent/").status_code == 403


def test_roles_are_set_in_the_admin_through_the_service(client, user):
    admin_user = staff_with("administrator")
    signed_in(client, admin_user)

    page = client.get(f"/admin/staff/staffmember/{user.pk}/change/")
    response = client.post(f"/admin/staff/staffmember/{user.pk}/roles/", {"roles": ["auditor"]})

    assert page.status_code == 200
    assert "Save roles" in page.content.decode()
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.is_staff
    assert list(user.groups.values_list("name", flat=True)) == ["auditor"]
    assert AuditEvent.objects.filter(action="roles.set", subject_id=str(user.pk)).count() == 1


def test_roles_page_refuses_own_roles_and_non_administrators(client, user):
    admin_user = staff_with("administrator")
    signed_in(client, admin_user)
    client.post(f"/admin/staff/staffmember/{admin_user.pk}/roles/", {"roles": []})
    admin_user.refresh_from_db()
    assert admin_user.is_staff

    signed_in(client, staff_with("finance"))
    response = client.post(f"/admin/staff/staffmember/{user.pk}/roles/", {"roles": ["finance"]})
    assert response.status_code == 403
    user.refresh_from_db()
    assert not user.is_staff
