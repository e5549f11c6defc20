"""Staff people of each role, made the way administrators make them."""

from tests.factories import UserFactory


def staff_with(*roles: str, **fields):
    """A staff user holding `roles` (the groups the roles migration made)."""
    return UserFactory(is_staff=bool(roles), roles=list(roles), **fields)
