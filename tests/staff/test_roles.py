"""The roles migration and the permission table it reads."""

import pytest
from django.contrib.auth.models import Group, Permission

from staff import roles
from staff.approvals import registered_kinds
from staff.permissions import user_can
from tests.factories import UserFactory
from tests.staff.factories import staff_with

pytestmark = pytest.mark.django_db


def test_the_six_roles_exist_as_groups():
    assert sorted(Group.objects.values_list("name", flat=True)) == sorted(roles.ROLE_NAMES)
    assert roles.ROLE_NAMES == (
        "administrator",
        "finance",
        "zakat_officer",
        "loan_officer",
        "campaign_manager",
        "auditor",
    )


def test_every_custom_permission_exists_with_its_description():
    stored = dict(
        Permission.objects.filter(
            content_type__app_label="staff", content_type__model="staffaction"
        ).values_list("codename", "name")
    )
    assert stored == roles.PERMISSIONS


@pytest.mark.parametrize("role", roles.ROLES, ids=lambda role: role.name)
def test_each_group_holds_exactly_the_custom_permissions_of_the_table(role):
    group = Group.objects.get(name=role.name)
    held = set(
        group.permissions.filter(
            content_type__app_label="staff", content_type__model="staffaction"
        ).values_list("codename", flat=True)
    )
    assert held == set(roles.custom_permissions(role))


def test_every_listed_permission_resolves_to_at_least_one_permission():
    for role in roles.ROLES:
        for perm in role.permissions:
            app_label, codename = perm.split(".", 1)
            qs = Permission.objects.filter(content_type__app_label=app_label)
            qs = (
                qs.filter(codename__startswith=codename[:-1])
                if codename.endswith("*")
                else qs.filter(codename=codename)
            )
            assert qs.exists(), f"{role.name}: {perm} matches no permission"


def test_every_approval_kind_has_a_checker_permission_held_by_finance():
    """Every outflow; a second factor's reset moves no money and is checked by another
    administrator instead."""
    finance = roles.ROLES_BY_NAME["finance"]
    administrator = roles.ROLES_BY_NAME["administrator"]
    for kind in roles.APPROVAL_KINDS:
        holder = administrator if kind == "mfa_reset" else finance
        assert roles.checker_perm(kind) in holder.permissions
    assert roles.checker_perm("mfa_reset") not in finance.permissions


def test_auditor_writes_nothing():
    auditor = roles.ROLES_BY_NAME["auditor"]
    reads = {"staff_read", "audit_read", "report_ledger_read", "report_portfolio_read"}
    assert set(roles.custom_permissions(auditor)) == reads
    models = {perm.split(".", 1)[1] for perm in auditor.permissions}
    assert all(name in reads or name.startswith("view_") for name in models)
    group = Group.objects.get(name="auditor")
    assert (
        not group.permissions.exclude(codename__startswith="view_")
        .exclude(codename__in=reads)
        .exists()
    )
    assert group.permissions.filter(codename="view_loan").exists()


def test_the_kinds_of_the_contract_match_the_model_and_the_default_setting(settings):
    from staff.models import Approval

    assert tuple(Approval.Kind.values) == roles.APPROVAL_KINDS
    assert "wallet_adjustment" in registered_kinds()


def test_roles_sync_is_idempotent_and_adds_back_what_is_missing():
    group = Group.objects.get(name="finance")
    group.permissions.remove(Permission.objects.get(codename="approve_wallet_adjustment"))

    roles.roles_sync()
    roles.roles_sync()

    assert group.permissions.filter(codename="approve_wallet_adjustment").exists()
    assert Group.objects.filter(name="finance").count() == 1


def test_user_can_needs_the_permission_not_only_is_staff():
    bare_staff = UserFactory(is_staff=True, roles=[])
    finance = staff_with("finance")
    superuser = UserFactory(is_staff=True, is_superuser=True)
    inactive = staff_with("finance", is_active=False)

    assert not user_can(bare_staff, "staff.wallet_adjustment_request")
    assert user_can(finance, "staff.wallet_adjustment_request")
    assert not user_can(finance, "staff.roles_manage")
    assert user_can(superuser, "staff.roles_manage")
    assert not user_can(inactive, "staff.wallet_adjustment_request")
    assert not user_can(None, "staff.staff_read")
