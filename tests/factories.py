import factory

from accounts.models import User


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    name = factory.Faker("name")
    password = factory.PostGenerationMethodCall("set_password", "correct-horse-battery-staple")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()

    @factory.post_generation
    def roles(obj, create, extracted, **kwargs):
        """Staff act through roles (staff/roles.py), never `is_staff` alone. A staff
        user made here holds every operational role unless `roles=[...]` names
        some (`roles=[]`: staff with no role, who may read but do nothing)."""
        if not create:
            return
        names = OPERATIONAL_ROLES if extracted is None and obj.is_staff else extracted or ()
        if names:
            from django.contrib.auth.models import Group

            obj.groups.set(Group.objects.filter(name__in=names))


# Every role that acts (not administrator, not auditor): the staff member most tests need.
OPERATIONAL_ROLES = ("finance", "zakat_officer", "loan_officer", "campaign_manager")


def fund_wallet(user, amount) -> None:
    """Put money in a user's wallet the way users do: a (sandbox) top-up."""
    from decimal import Decimal

    from accounts import services

    services.top_up_create(user=user, amount=Decimal(str(amount)))
