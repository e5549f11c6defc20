from decimal import Decimal

import factory
from django.utils import timezone

from tests.factories import UserFactory
from zakat.models import MetalPrice, ZakatRecord


class MetalPriceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MetalPrice

    currency = "USD"
    gold_price_per_gram = Decimal("95.00")
    silver_price_per_gram = Decimal("1.10")
    as_of = factory.LazyFunction(timezone.now)
    source = MetalPrice.Source.MANUAL


class ZakatRecordFactory(factory.django.DjangoModelFactory):
    """A pending record of 10000 against a nisab of 5000: 250.00 due."""

    class Meta:
        model = ZakatRecord

    payer = factory.SubFactory(UserFactory)
    payer_reference = factory.Sequence(lambda n: f"payer-{n:04d}")
    wealth_amount = Decimal("10000.00")
    nisab_threshold = Decimal("5000.00")
    zakat_amount = Decimal("250.00")
    is_obligated = True
