"""The audit trail: what an event holds, and that it is never changed or deleted."""

from decimal import Decimal

import pytest
from django.db import DatabaseError, connection, transaction

from staff.models import AuditEvent, AuditEventRefused
from staff.services import audit_record
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def event(user):
    return audit_record(
        actor=user,
        action="test.something",
        subject=user,
        changes={"amount": Decimal("1.50"), "who": user},
        reason="Because",
    )


def test_an_event_names_actor_subject_request_and_address(client):
    """Through a real request: the request id and the client address are kept."""
    from django.contrib.auth.models import Group

    admin_user = UserFactory(is_staff=True, roles=[])
    admin_user.groups.add(Group.objects.get(name="administrator"))
    person = UserFactory()
    client.force_login(admin_user)

    client.post(
        f"/admin/staff/staffmember/{person.pk}/roles/",
        {"roles": ["auditor"]},
        HTTP_X_REQUEST_ID="req-audit-1",
        REMOTE_ADDR="203.0.113.7",
    )

    event = AuditEvent.objects.get(action="roles.set")
    assert event.actor == admin_user
    assert event.subject_type == "accounts.user"
    assert event.subject_id == str(person.pk)
    assert event.request_id == "req-audit-1"
    assert event.client_address == "203.0.113.7"
    assert event.changes == {"roles": [[], ["auditor"]], "is_staff": [False, True]}


def test_changes_are_stored_as_json(event):
    event.refresh_from_db()
    assert event.changes == {"amount": "1.50", "who": str(event.actor_id)}
    assert event.reason == "Because"
    assert event.request_id == ""  # outside a request
    assert event.client_address is None


def test_audit_record_refuses_to_run_outside_a_transaction(user):
    # The test's own transaction is an atomic block; simulate the autocommit caller.
    connection.in_atomic_block, saved = False, connection.in_atomic_block
    try:
        with pytest.raises(RuntimeError):
            audit_record(actor=user, action="test.outside")
    finally:
        connection.in_atomic_block = saved


def test_the_model_refuses_update_and_delete(event):
    event.reason = "rewritten"
    with pytest.raises(AuditEventRefused):
        event.save()
    with pytest.raises(AuditEventRefused):
        event.delete()
    with pytest.raises(AuditEventRefused):
        AuditEvent.objects.filter(pk=event.pk).update(reason="rewritten")
    with pytest.raises(AuditEventRefused):
        AuditEvent.objects.filter(pk=event.pk).delete()
    event.refresh_from_db()
    assert event.reason == "Because"


def test_the_database_refuses_update(event):
    """On every database: raw SQL cannot rewrite an event."""
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE staff_auditevent SET reason = 'rewritten' WHERE id = %s", [event.pk])
    event.refresh_from_db()
    assert event.reason == "Because"


@pytest.mark.postgres
def test_the_database_refuses_delete_on_postgresql(event, on_postgres):
    if not on_postgres:
        pytest.skip("The DELETE trigger is PostgreSQL's (SQLite's test flush deletes rows).")
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM staff_auditevent WHERE id = %s", [event.pk])
    assert AuditEvent.objects.filter(pk=event.pk).exists()
