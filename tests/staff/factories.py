"""Staff people of each role, made the way administrators make them."""

from django.contrib.auth.models import Group

from tests.factories import UserFactory


def staff_with(*roles: str, **fields):
    """A staff user holding `roles` (the groups the roles migration made)."""
    user = UserFactory(is_staff=bool(roles), **fields)
    user.groups.add(*Group.objects.filter(name__in=roles))
    return user
