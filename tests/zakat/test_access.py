"""Who may load and change a zakat record or payment: the get_for selectors and the
services' own checks, so the API, the pages and the admin refuse the same people."""

import uuid
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from config.errors import NotAllowed, NotFound
from tests.factories import fund_wallet
from tests.zakat.factories import ZakatRecordFactory
from zakat import calculation, selectors, services
from zakat.models import MetalPrice, ZakatRecord

pytestmark = pytest.mark.django_db


def test_record_get_for_lets_the_owner_and_staff_in(user, staff_user):
    record = ZakatRecordFactory(payer=user)

    assert selectors.zakat_record_get_for(user=user, pk=record.pk) == record
    assert selectors.zakat_record_get_for(user=staff_user, pk=record.pk, lock=True) == record


def test_record_get_for_refuses_others_and_misses(user, other_user):
    record = ZakatRecordFactory(payer=user)

    with pytest.raises(NotAllowed, match="belongs to someone else"):
        selectors.zakat_record_get_for(user=other_user, pk=record.pk)
    with pytest.raises(NotFound):
        selectors.zakat_record_get_for(user=user, pk=uuid.uuid4())


def test_payment_get_for_lets_the_payer_and_staff_in_only(user, other_user, staff_user):
    fund_wallet(user, "300.00")
    payment = services.zakat_payment_create(record=ZakatRecordFactory(payer=user), payer=user)

    assert selectors.zakat_payment_get_for(user=user, pk=payment.pk) == payment
    assert selectors.zakat_payment_get_for(user=staff_user, pk=payment.pk) == payment
    with pytest.raises(NotAllowed):
        selectors.zakat_payment_get_for(user=other_user, pk=payment.pk)
    with pytest.raises(NotFound):
        selectors.zakat_payment_get_for(user=user, pk=uuid.uuid4())


def test_record_list_mine_shows_only_my_records_even_to_staff(user, staff_user):
    ZakatRecordFactory(payer=user)
    own = ZakatRecordFactory(payer=staff_user)

    assert selectors.zakat_record_list(user=staff_user).count() == 2
    assert list(selectors.zakat_record_list(user=staff_user, mine=True)) == [own]


def test_only_the_owner_or_staff_change_or_delete_a_record(user, other_user, staff_user):
    record = ZakatRecordFactory(payer=user)

    with pytest.raises(NotAllowed):
        services.zakat_record_update(record=record, by=other_user, wealth_amount=Decimal("1.00"))
    with pytest.raises(NotAllowed):
        services.zakat_record_delete(record=record, by=other_user)

    updated = services.zakat_record_update(
        record=record, by=staff_user, wealth_amount=Decimal("20000.00")
    )
    assert updated.zakat_amount == Decimal("500.00")
    services.zakat_record_delete(record=record, by=user)
    assert not ZakatRecord.objects.exists()


def test_staff_do_not_pay_someone_elses_record(user, staff_user):
    fund_wallet(staff_user, "300.00")
    record = ZakatRecordFactory(payer=user)

    with pytest.raises(NotAllowed, match="belongs to someone else"):
        services.zakat_payment_create(record=record, payer=staff_user)


def test_only_staff_enter_metal_prices_by_hand(user, staff_user):
    prices = {"gold_price_per_gram": Decimal("95.00"), "silver_price_per_gram": Decimal("1.10")}

    with pytest.raises(NotAllowed):
        services.metal_price_create(**prices, created_by=user)
    assert services.metal_price_create(**prices, created_by=staff_user).created_by == staff_user
    # The feed and the seed enter prices with no person behind them.
    assert services.metal_price_create(**prices, source=MetalPrice.Source.FEED).created_by is None


def test_metal_prices_are_whole_positive_cents_within_the_cap():
    with pytest.raises(ValidationError) as caught:
        services.metal_price_create(
            gold_price_per_gram=Decimal("95.001"),
            silver_price_per_gram=services.MAX_PRICE_PER_GRAM + 1,
        )

    assert set(caught.value.message_dict) == {"gold_price_per_gram", "silver_price_per_gram"}


def test_record_figures_are_whole_positive_cents(user):
    with pytest.raises(ValidationError) as caught:
        services.zakat_record_create(
            payer=user,
            payer_id="amina-2026",
            wealth_amount=Decimal("0"),
            nisab_threshold=Decimal("10.005"),
        )

    assert caught.value.message_dict == {
        "wealth_amount": ["Enter an amount above 0 in whole cents."],
        "nisab_threshold": ["Enter an amount above 0 in whole cents."],
    }


def test_nisab_thresholds_are_both_standards_at_the_given_prices():
    thresholds = calculation.nisab_thresholds(
        gold_price_per_gram=Decimal("95.00"), silver_price_per_gram=Decimal("1.10")
    )

    assert thresholds == {"gold": Decimal("8075.00"), "silver": Decimal("654.50")}
