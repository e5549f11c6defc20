"""AuditedAdminMixin: what other apps' admins get by adding it."""

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.forms import modelform_factory
from django.test import RequestFactory

from staff.admin_mixins import AuditedAdminMixin
from staff.models import AuditEvent
from tests.staff.factories import staff_with

pytestmark = pytest.mark.django_db


class AuditedGroupAdmin(AuditedAdminMixin, admin.ModelAdmin):
    fields = ["name"]


@pytest.fixture
def model_admin():
    return AuditedGroupAdmin(Group, admin.AdminSite(name="audited"))


@pytest.fixture
def request_by():
    request = RequestFactory().post("/")
    request.user = staff_with("administrator")
    return request


def test_an_edit_records_the_changed_fields_before_and_after(model_admin, request_by):
    group = Group.objects.create(name="volunteers")
    form = modelform_factory(Group, fields=["name"])({"name": "helpers"}, instance=group)
    assert form.is_valid()

    model_admin.save_model(request_by, form.save(commit=False), form, change=True)

    event = AuditEvent.objects.get(action="admin.change")
    assert event.actor == request_by.user
    assert event.subject_type == "auth.group"
    assert event.subject_id == str(group.pk)
    assert event.changes == {"name": ["volunteers", "helpers"]}


def test_an_addition_and_a_deletion_are_recorded(model_admin, request_by):
    form = modelform_factory(Group, fields=["name"])({"name": "stewards"})
    assert form.is_valid()
    group = form.save(commit=False)

    model_admin.save_model(request_by, group, form, change=False)
    model_admin.delete_model(request_by, group)

    added = AuditEvent.objects.get(action="admin.add")
    deleted = AuditEvent.objects.get(action="admin.delete")
    assert added.changes == {"name": "stewards"}
    assert deleted.changes == {"object": "stewards"}
    assert deleted.subject_id == added.subject_id
    assert not Group.objects.filter(name="stewards").exists()
