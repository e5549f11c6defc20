"""Zakat calculation fidelity: the default nisab standard and the other verdict, gold
purity by karat, stale and foreign prices, and sums too large to store."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from tests.zakat.factories import MetalPriceFactory
from zakat import calculation, services
from zakat.calculation import Assets, Liabilities
from zakat.models import ZakatRecord

V1 = "/api/v1/zakat/calculate"
V2 = "/api/v2/zakat/calculate"
RECORDS = "/api/v1/zakat/records"
BIG = "9999999999999999.99"  # the largest amount a money column holds
THREE_BIG = {"cash": BIG, "investments": BIG, "receivables": BIG}


def _itemized(assets: Assets, standard: str = "silver") -> calculation.ItemizedResult:
    return calculation.calculate_itemized(
        assets=assets,
        liabilities=Liabilities(),
        nisab_standard=standard,
        gold_price_per_gram=Decimal("95.00"),
        silver_price_per_gram=Decimal("1.10"),
    )


# --- Nisab standard ---------------------------------------------------------------------


@pytest.mark.django_db
def test_v2_defaults_to_the_silver_standard(auth_client):
    MetalPriceFactory(gold_price_per_gram=Decimal("95.00"), silver_price_per_gram=Decimal("1.10"))

    data = auth_client.post(V2, {"assets": {"cash": "1000.00"}}, format="json").json()

    assert data["nisab_standard"] == "silver"
    assert data["nisab_threshold"] == "654.50"
    assert data["is_obligated"] is True
    assert data["zakat_amount"] == "25.00"
    assert data["other_standard"] == {
        "nisab_standard": "gold",
        "nisab_threshold": "8075.00",
        "is_obligated": False,
    }


@pytest.mark.django_db
def test_v2_default_follows_the_setting(auth_client, settings):
    settings.ZAKAT_DEFAULT_NISAB = "gold"
    MetalPriceFactory(gold_price_per_gram=Decimal("95.00"), silver_price_per_gram=Decimal("1.10"))

    data = auth_client.post(V2, {"assets": {"cash": "1000.00"}}, format="json").json()

    assert data["nisab_standard"] == "gold"
    assert data["is_obligated"] is False
    assert data["zakat_amount"] == "0.00"
    assert data["other_standard"] == {
        "nisab_standard": "silver",
        "nisab_threshold": "654.50",
        "is_obligated": True,
    }


@pytest.mark.django_db
def test_v2_named_standard_wins_over_the_default(auth_client):
    MetalPriceFactory()

    data = auth_client.post(
        V2, {"assets": {"cash": "9000.00"}, "nisab_standard": "gold"}, format="json"
    ).json()

    assert data["nisab_standard"] == "gold"
    assert data["other_standard"]["nisab_standard"] == "silver"
    assert data["other_standard"]["is_obligated"] is True


def test_other_standard_is_inclusive_like_the_first():
    # Exactly the gold nisab: obligated under gold, whichever standard was asked for.
    result = _itemized(Assets(cash=Decimal("8075.00")), standard="silver")

    assert result.other_standard == calculation.StandardVerdict("gold", Decimal("8075.00"), True)


@pytest.mark.django_db
def test_saved_record_from_the_page_uses_the_default_standard(client, user):
    MetalPriceFactory()
    client.force_login(user)

    client.post("/zakat/records/save/", {"cash": "1000.00"})

    record = ZakatRecord.objects.get(payer=user)
    assert record.nisab_standard == "silver"
    assert record.nisab_threshold == Decimal("654.50")
    assert record.zakat_amount == Decimal("25.00")


@pytest.mark.django_db
def test_calculator_page_shows_the_other_verdict_and_silver_default(client):
    MetalPriceFactory()

    blank = client.get("/zakat/").content.decode()
    html = client.get("/zakat/", {"calculate": "1", "cash": "1000.00"}).content.decode()

    assert re.search(r'<input[^>]*value="silver"[^>]*checked', blank)
    assert not re.search(r'<input[^>]*value="gold"[^>]*checked', blank)
    assert 'data-testid="other-standard"' in html
    assert "Under the gold standard" in html
    assert "no zakat would be due" in html
    assert 'data-testid="zakat-amount">25.00' in html


# --- Gold purity ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("grams", "karat", "amount", "pure"),
    [
        ("100", 24, "9500.00", "100"),
        ("100", 18, "7125.00", "75.000"),
        ("100", 22, "8708.33", "91.667"),  # 8708.333...
        ("10", 21, "831.25", "8.750"),
        ("1", 1, "3.96", "0.042"),  # 3.958333...
    ],
)
def test_gold_counts_by_karat(grams, karat, amount, pure):
    result = _itemized(Assets(gold_grams=Decimal(grams), gold_karat=karat))

    gold = result.breakdown[1]
    assert gold.code == "gold"
    assert calculation.quantize(gold.amount) == Decimal(amount)
    assert gold.quantity == Decimal(pure)
    assert (karat == 24) == ("karat" not in gold.label)


@given(
    grams=st.decimals(min_value=0, max_value=10**6, places=3),
    karat=st.integers(min_value=1, max_value=24),
)
def test_karat_gold_is_grams_times_karat_over_24_exactly(grams, karat):
    result = _itemized(Assets(gold_grams=grams, gold_karat=karat))

    exact = grams * Decimal("95.00") * karat / 24
    assert result.breakdown[1].amount == exact
    assert result.zakatable_wealth == exact
    assert result.zakat_amount == (
        calculation.quantize(exact * Decimal("0.025"))
        if exact >= Decimal("654.50")
        else Decimal("0.00")
    )


@pytest.mark.parametrize("karat", [0, 25, -1])
def test_karat_outside_1_to_24_is_refused_by_the_calculation(karat):
    with pytest.raises(ValueError, match="Karat"):
        _itemized(Assets(gold_grams=Decimal("1"), gold_karat=karat))


@pytest.mark.django_db
def test_v2_gold_karat(auth_client):
    MetalPriceFactory()

    data = auth_client.post(
        V2, {"assets": {"gold_grams": "100", "gold_karat": 18}}, format="json"
    ).json()
    default = auth_client.post(V2, {"assets": {"gold_grams": "100"}}, format="json").json()

    gold = next(line for line in data["breakdown"] if line["code"] == "gold")
    assert gold["amount"] == "7125.00"
    assert gold["quantity"] == "75.000"
    assert data["zakatable_wealth"] == "7125.00"
    assert default["zakatable_wealth"] == "9500.00"


@pytest.mark.django_db
@pytest.mark.parametrize("karat", [0, 25, "18.5", "abc", True, None])
def test_v2_gold_karat_outside_1_to_24_is_400(auth_client, karat):
    MetalPriceFactory()

    response = auth_client.post(
        V2, {"assets": {"gold_grams": "10", "gold_karat": karat}}, format="json"
    )

    assert response.status_code == 400
    assert "assets.gold_karat" in response.json()["details"]


@pytest.mark.django_db
def test_calculator_page_gold_karat(client):
    MetalPriceFactory()

    html = client.get(
        "/zakat/", {"calculate": "1", "gold_grams": "100", "gold_karat": "18"}
    ).content.decode()
    bad = client.get("/zakat/", {"calculate": "1", "gold_grams": "100", "gold_karat": "30"})

    assert 'name="gold_karat"' in html
    assert 'data-testid="zakatable-wealth">7125.00' in html
    assert "Gold (18 karat)" in html
    assert bad.status_code == 200
    assert 'data-testid="zakat-result"' not in bad.content.decode()
    assert "less than or equal to 24" in bad.content.decode()


@pytest.mark.django_db
def test_saved_record_keeps_the_karat_line(client, user):
    MetalPriceFactory()
    client.force_login(user)

    client.post("/zakat/records/save/", {"gold_grams": "100", "gold_karat": "18"})

    record = ZakatRecord.objects.get(payer=user)
    assert record.wealth_amount == Decimal("7125.00")
    assert record.breakdown[1]["quantity"] == "75.000"


# --- Stale and foreign prices -----------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(("age_days", "stale"), [(0, False), (6, False), (8, True), (30, True)])
def test_v2_flags_stale_prices(auth_client, age_days, stale):
    MetalPriceFactory(as_of=timezone.now() - timedelta(days=age_days))

    data = auth_client.post(V2, {"assets": {"cash": "100.00"}}, format="json").json()

    assert data["prices_stale"] is stale


@pytest.mark.django_db
def test_stale_age_follows_the_setting(auth_client, settings):
    settings.METAL_PRICES_MAX_AGE_DAYS = 1
    MetalPriceFactory(as_of=timezone.now() - timedelta(days=2))

    data = auth_client.post(V2, {"assets": {"cash": "100.00"}}, format="json").json()

    assert data["prices_stale"] is True


@pytest.mark.django_db
def test_calculator_page_warns_of_stale_prices(client):
    MetalPriceFactory(as_of=timezone.now() - timedelta(days=10))

    html = client.get("/zakat/").content.decode()

    assert 'data-testid="prices-stale"' in html
    assert "more than 7 days old" in html


@pytest.mark.django_db
def test_calculator_page_fresh_prices_have_no_warning(client):
    MetalPriceFactory()

    assert 'data-testid="prices-stale"' not in client.get("/zakat/").content.decode()


@pytest.mark.django_db
def test_a_snapshot_in_another_currency_is_never_used(auth_client, settings):
    settings.PLATFORM_CURRENCY = "USD"
    MetalPriceFactory(
        currency="USD",
        gold_price_per_gram=Decimal("95.00"),
        as_of=timezone.now() - timedelta(days=1),
    )
    MetalPriceFactory(currency="EUR", gold_price_per_gram=Decimal("80.00"), as_of=timezone.now())

    data = auth_client.post(
        V2, {"assets": {"cash": "100.00"}, "nisab_standard": "gold"}, format="json"
    ).json()
    nisab = auth_client.get("/api/v1/zakat/nisab").json()

    assert data["gold_price_per_gram"] == "95.00"
    assert nisab["currency"] == "USD"
    assert nisab["gold_price_per_gram"] == "95.00"


@pytest.mark.django_db
def test_only_foreign_prices_is_prices_unavailable(auth_client, client, settings):
    settings.PLATFORM_CURRENCY = "USD"
    MetalPriceFactory(currency="EUR")

    response = auth_client.post(V2, {"assets": {"cash": "100.00"}}, format="json")

    assert response.status_code == 503
    assert response.json()["error"] == "prices_unavailable"
    assert 'data-testid="no-prices"' in client.get("/zakat/").content.decode()


# --- Sums too large to store ------------------------------------------------------------


@pytest.mark.django_db
def test_v2_three_16_digit_amounts_are_400_not_500(auth_client):
    MetalPriceFactory()

    response = auth_client.post(V2, {"assets": THREE_BIG}, format="json")

    assert response.status_code == 400, response.content
    body = response.json()
    assert body["error"] == "validation_error"
    assert body["request_id"]
    assert list(body["details"]) == ["assets"]
    assert "at most 9999999999999999.99" in body["details"]["assets"][0]


@pytest.mark.django_db
def test_v2_a_metal_line_too_large_names_its_field(auth_client):
    MetalPriceFactory(gold_price_per_gram=Decimal("100000.00"))

    response = auth_client.post(V2, {"assets": {"gold_grams": "999999999999.999"}}, format="json")

    assert response.status_code == 400, response.content
    assert list(response.json()["details"]) == ["assets.gold_grams"]


@pytest.mark.django_db
def test_v2_largest_storable_total_is_still_answered(auth_client):
    MetalPriceFactory()

    response = auth_client.post(
        V2,
        {"assets": {"cash": BIG, "investments": BIG}, "liabilities": {"short_term_debts": BIG}},
        format="json",
    )

    assert response.status_code == 200, response.content
    assert response.json()["zakatable_wealth"] == BIG


@pytest.mark.django_db
def test_v1_and_records_take_16_digits_and_refuse_17(auth_client):
    ok = auth_client.post(
        V1, {"payer_id": "payer-001", "wealth_amount": BIG, "nisab_threshold": BIG}, format="json"
    )
    too_big = auth_client.post(
        V1,
        {"payer_id": "payer-001", "wealth_amount": "1" + BIG, "nisab_threshold": "1"},
        format="json",
    )
    record = auth_client.post(
        RECORDS,
        {"payer_id": "payer-001", "wealth_amount": BIG, "nisab_threshold": "1.00"},
        format="json",
    )

    assert ok.status_code == 200
    assert ok.json()["zakat_amount"] == "250000000000000.00"
    assert too_big.status_code == 400
    assert "wealth_amount" in too_big.json()["details"]
    assert record.status_code == 201
    # (Read back from the answer: SQLite keeps decimals as doubles, so only PostgreSQL,
    # the production database, holds all 18 digits.)
    assert record.json()["wealth_amount"] == BIG


@pytest.mark.django_db
def test_record_services_refuse_what_a_column_cannot_hold(user):
    with pytest.raises(ValidationError) as caught:
        services.zakat_record_create(
            payer=user,
            payer_id="payer-001",
            wealth_amount=Decimal("10000000000000000.00"),
            nisab_threshold=Decimal("1.00"),
        )
    assert list(caught.value.message_dict) == ["wealth_amount"]
    MetalPriceFactory()
    with pytest.raises(ValidationError) as caught:
        services.zakat_record_create_itemized(
            payer=user,
            assets=Assets(**{name: Decimal(BIG) for name in THREE_BIG}),
            liabilities=Liabilities(),
        )
    assert list(caught.value.message_dict) == ["assets"]
    assert not ZakatRecord.objects.exists()


@pytest.mark.django_db
def test_calculator_page_three_16_digit_amounts_is_a_form_error(client):
    MetalPriceFactory()

    response = client.get("/zakat/", {"calculate": "1", **THREE_BIG})

    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="form-errors"' in html
    assert "at most 9999999999999999.99" in html
    assert 'data-testid="zakat-result"' not in html


@pytest.mark.django_db
def test_calculator_page_metal_line_too_large_is_shown_beside_the_field(client):
    MetalPriceFactory(gold_price_per_gram=Decimal("100000.00"))

    html = client.get(
        "/zakat/", {"calculate": "1", "gold_grams": "999999999999.999"}
    ).content.decode()

    assert 'id="id_gold_grams_error"' in html
    assert 'data-testid="zakat-result"' not in html


@pytest.mark.django_db
def test_saving_three_16_digit_amounts_from_the_page_is_refused(client, user):
    MetalPriceFactory()
    client.force_login(user)

    response = client.post("/zakat/records/save/", THREE_BIG, follow=True)

    assert response.status_code == 200
    assert "at most 9999999999999999.99" in response.content.decode()
    assert not ZakatRecord.objects.exists()


@pytest.mark.parametrize(
    ("cash", "fits"),
    [
        (BIG, True),
        ("9999999999999999.994", True),  # rounds to BIG
        ("9999999999999999.995", False),
        ("1" + "0" * 40, False),  # beyond what the Decimal context can round
    ],
)
def test_the_bound_is_what_rounds_into_a_money_column(cash, fits):
    assets = Assets(cash=Decimal(cash))
    if fits:
        assert _itemized(assets).zakatable_wealth == Decimal(cash)
    else:
        with pytest.raises(calculation.AmountTooLarge) as caught:
            _itemized(assets)
        assert caught.value.fields == ("cash",)
