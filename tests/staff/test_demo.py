from io import StringIO

import pytest
from django.core.management import call_command

from accounts.models import User
from staff.roles import ROLE_NAMES

pytestmark = pytest.mark.django_db


def test_seed_demo_makes_and_prints_one_person_per_role():
    out = StringIO()
    call_command("seed_demo", stdout=out)
    call_command("seed_demo", stdout=StringIO())

    for role in ROLE_NAMES:
        email = f"{role.replace('_', '-')}@ose.example"
        person = User.objects.get(email=email)
        assert person.is_staff
        assert list(person.groups.values_list("name", flat=True)) == [role]
        assert email in out.getvalue()
