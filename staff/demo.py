"""Demo data of the staff app for `make run` (called by seed_demo; must be idempotent).

One demo person per role, their roles given by the demo superuser through the
same service (and audit trail) administrators use."""

from accounts import services as accounts_services
from accounts.models import User
from staff import services
from staff.roles import ROLES

SUPERUSER_EMAIL = "staff@ose.example"
PASSWORD = "role-demo-pass-2026"  # noqa: S105 - demo data, printed for the developer


def demo_email(role: str) -> str:
    return f"{role.replace('_', '-')}@ose.example"


def seed(*, stdout) -> None:
    superuser = User.objects.filter(email=SUPERUSER_EMAIL, is_superuser=True).first()
    if superuser is None:
        return
    for role in ROLES:
        email = demo_email(role.name)
        person = User.objects.filter(email=email).first()
        if person is None:
            person = accounts_services.user_create(
                email=email,
                name=f"Demo {role.name.replace('_', ' ').title()}",
                password=PASSWORD,
            )
            services.user_roles_set(user=person, roles=[role.name], by=superuser)
        stdout.write(f"  Role {role.name}: {email} / {PASSWORD}")
