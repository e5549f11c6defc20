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


def fund_wallet(user, amount) -> None:
    """Put money in a user's wallet the way users do: a (sandbox) top-up."""
    from decimal import Decimal

    from accounts import services

    services.top_up_create(user=user, amount=Decimal(str(amount)))
