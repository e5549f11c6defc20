"""The zakat API against the contract: calculation, prices, nisab, records."""

from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from tests.factories import UserFactory
from tests.zakat.factories import MetalPriceFactory, ZakatRecordFactory
from zakat.models import MetalPrice, ZakatRecord

pytestmark = pytest.mark.django_db

V1 = "/api/v1/zakat/calculate"
V2 = "/api/v2/zakat/calculate"
RECORDS = "/api/v1/zakat/records"


def body(payer_id="payer-001", wealth="10000.00", nisab="5000.00") -> dict:
    return {"payer_id": payer_id, "wealth_amount": wealth, "nisab_threshold": nisab}


# --- v1 calculation ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("wealth", "nisab", "zakat", "obligated"),
    [
        ("10000", "5000", "250.00", True),
        ("5000", "5000", "125.00", True),
        ("4999", "5000", "0.00", False),
        ("100000", "5000", "2500.00", True),
        ("100.20", "1.00", "2.51", True),
        ("100.10", "1.00", "2.50", True),
    ],
)
def test_v1_calculate_table(auth_client, wealth, nisab, zakat, obligated):
    response = auth_client.post(V1, body(wealth=wealth, nisab=nisab), format="json")

    assert response.status_code == 200, response.content
    data = response.json()
    assert data["zakat_amount"] == zakat
    assert data["is_obligated"] is obligated
    assert data["wealth_amount"] == str(Decimal(wealth).quantize(Decimal("0.01")))
    assert data["payer_id"] == "payer-001"
    assert data["calculation_date"]
    assert ZakatRecord.objects.count() == 0


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        (body(payer_id="abcd"), "payer_id"),
        (body(payer_id="x" * 51), "payer_id"),
        (body(wealth="0"), "wealth_amount"),
        (body(wealth="-5.00"), "wealth_amount"),
        (body(wealth="10.001"), "wealth_amount"),
        (body(wealth="NaN"), "wealth_amount"),
        (body(nisab="Infinity"), "nisab_threshold"),
        (body(nisab="1e3"), "nisab_threshold"),
        (body(wealth=True), "wealth_amount"),
        ({"payer_id": "payer-001", "wealth_amount": "10.00"}, "nisab_threshold"),
        ({"wealth_amount": "10.00", "nisab_threshold": "5.00"}, "payer_id"),
    ],
)
def test_v1_validation_gives_the_envelope(auth_client, payload, field):
    response = auth_client.post(V1, payload, format="json")

    assert response.status_code == 400
    data = response.json()
    assert data["error"] == "validation_error"
    assert field in data["details"]
    assert data["request_id"]


def test_v1_accepts_boundary_payer_ids_and_json_numbers(auth_client):
    assert auth_client.post(V1, body(payer_id="abcde"), format="json").status_code == 200
    response = auth_client.post(
        V1, {"payer_id": "x" * 50, "wealth_amount": 10000, "nisab_threshold": 5000}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["zakat_amount"] == "250.00"


@pytest.mark.parametrize(
    "url", [V1, V2, RECORDS, "/api/v1/zakat/my-records", "/api/v1/zakat/payments"]
)
def test_user_endpoints_need_a_token(api_client, url):
    response = api_client.post(url, {}, format="json")

    assert response.status_code == 401
    assert response.json()["error"] == "not_authenticated"


amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("9999999999.99"), places=2)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(wealth=amounts, nisab=amounts)
def test_v1_matches_a_reference_decimal_computation(user, wealth, nisab):
    client = APIClient()
    client.force_authenticate(user)
    response = client.post(V1, body(wealth=str(wealth), nisab=str(nisab)), format="json")
    expected = (
        (wealth * Decimal("0.025")).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        if wealth >= nisab
        else Decimal("0.00")
    )
    assert response.status_code == 200
    assert Decimal(response.json()["zakat_amount"]) == expected
    assert response.json()["zakat_amount"] == f"{expected:.2f}"


# --- v2 calculation ---------------------------------------------------------------------


def test_v2_without_prices_is_503(auth_client):
    response = auth_client.post(V2, {"assets": {"cash": "100.00"}}, format="json")

    assert response.status_code == 503
    assert response.json()["error"] == "prices_unavailable"


def test_v2_gold_standard_itemized(auth_client):
    MetalPriceFactory(gold_price_per_gram=Decimal("95.00"), silver_price_per_gram=Decimal("1.10"))
    payload = {
        "assets": {
            "cash": "4000.00",
            "gold_grams": "20",
            "silver_grams": "100.5",
            "investments": "3000.00",
            "business_inventory": "1000.00",
            "receivables": "250.00",
        },
        "liabilities": {"short_term_debts": "500.00"},
        "nisab_standard": "gold",
    }

    response = auth_client.post(V2, payload, format="json")

    assert response.status_code == 200, response.content
    data = response.json()
    lines = {line["code"]: line for line in data["breakdown"]}
    assert lines["gold"]["amount"] == "1900.00"
    assert lines["gold"]["quantity"] == "20.000"
    assert lines["gold"]["unit_price"] == "95.00"
    assert lines["silver"]["amount"] == "110.55"
    assert lines["short_term_debts"]["amount"] == "-500.00"
    assert data["zakatable_wealth"] == "9760.55"
    assert data["nisab_standard"] == "gold"
    assert data["nisab_threshold"] == "8075.00"
    assert data["gold_price_per_gram"] == "95.00"
    assert data["silver_price_per_gram"] == "1.10"
    assert data["prices_as_of"]
    assert data["is_obligated"] is True
    assert data["zakat_amount"] == "244.01"  # 9760.55 x 2.5% = 244.01375


def test_v2_silver_standard_and_empty_body(auth_client):
    MetalPriceFactory()
    silver = auth_client.post(
        V2, {"assets": {"cash": "700.00"}, "nisab_standard": "silver"}, format="json"
    ).json()
    empty = auth_client.post(V2, {}, format="json").json()

    assert silver["nisab_threshold"] == "654.50"
    assert silver["is_obligated"] is True
    assert silver["zakat_amount"] == "17.50"
    assert empty["zakatable_wealth"] == "0.00"
    assert empty["is_obligated"] is False
    assert len(empty["breakdown"]) == 7


def test_v2_uses_the_newest_snapshot(auth_client):
    from datetime import timedelta

    from django.utils import timezone

    MetalPriceFactory(gold_price_per_gram=Decimal("10.00"), as_of=timezone.now())
    MetalPriceFactory(
        gold_price_per_gram=Decimal("99.00"), as_of=timezone.now() - timedelta(days=1)
    )

    data = auth_client.post(
        V2, {"assets": {"cash": "850.00"}, "nisab_standard": "gold"}, format="json"
    ).json()

    assert data["gold_price_per_gram"] == "10.00"
    assert data["nisab_threshold"] == "850.00"
    assert data["is_obligated"] is True


@pytest.mark.parametrize(
    "payload",
    [
        {"assets": {"cash": "-1.00"}},
        {"assets": {"gold_grams": "1.0001"}},
        {"assets": {"gold_grams": "NaN"}},
        {"assets": {"silver_grams": "-3"}},
        {"assets": {"cash": "1e5"}},
        {"liabilities": {"short_term_debts": "1.234"}},
        {"nisab_standard": "platinum"},
        {"assets": "lots"},
    ],
)
def test_v2_validation(auth_client, payload):
    MetalPriceFactory()
    response = auth_client.post(V2, payload, format="json")

    assert response.status_code == 400
    assert response.json()["error"] == "validation_error"
    assert response.json()["details"]


def test_v2_grams_take_up_to_three_places_and_say_what_to_send(auth_client):
    MetalPriceFactory()

    ok = auth_client.post(V2, {"assets": {"gold_grams": "12.125"}}, format="json")
    too_fine = auth_client.post(V2, {"assets": {"gold_grams": "1.0001"}}, format="json")
    not_grams = auth_client.post(V2, {"assets": {"silver_grams": "ten"}}, format="json")

    assert ok.status_code == 200
    assert ok.json()["breakdown"][1]["quantity"] == "12.125"
    assert "3 decimal places" in too_fine.json()["details"]["assets.gold_grams"][0]
    assert not_grams.json()["details"]["assets.silver_grams"][0].startswith(
        "Enter a weight in grams"
    )


# --- Metal prices and nisab -------------------------------------------------------------


def test_nisab_without_prices_is_503(api_client):
    response = api_client.get("/api/v1/zakat/nisab")
    assert response.status_code == 503
    assert response.json()["error"] == "prices_unavailable"


def test_nisab_shows_the_snapshot_in_force(api_client):
    MetalPriceFactory(gold_price_per_gram=Decimal("95.00"), silver_price_per_gram=Decimal("1.10"))

    data = api_client.get("/api/v1/zakat/nisab").json()

    assert data["gold_nisab_grams"] == "85"
    assert data["silver_nisab_grams"] == "595"
    assert data["gold_nisab_threshold"] == "8075.00"
    assert data["silver_nisab_threshold"] == "654.50"
    assert data["currency"] == "USD"
    assert data["source"] == "manual"


def test_staff_posts_prices_and_anyone_reads_them(staff_client, api_client):
    response = staff_client.post(
        "/api/v1/zakat/metal-prices",
        {"gold_price_per_gram": "96.50", "silver_price_per_gram": "1.15", "source": "feed"},
        format="json",
    )

    assert response.status_code == 201, response.content
    data = response.json()
    assert data["source"] == "manual"
    assert data["gold_price_per_gram"] == "96.50"
    assert set(data) == {
        "id",
        "currency",
        "gold_price_per_gram",
        "silver_price_per_gram",
        "as_of",
        "source",
    }
    listing = api_client.get("/api/v1/zakat/metal-prices").json()
    assert [item["id"] for item in listing["items"]] == [data["id"]]
    assert listing["has_more"] is False


def test_only_staff_may_post_prices(auth_client, api_client):
    payload = {"gold_price_per_gram": "96.50", "silver_price_per_gram": "1.15"}
    assert auth_client.post("/api/v1/zakat/metal-prices", payload, format="json").status_code == 403
    assert api_client.post("/api/v1/zakat/metal-prices", payload, format="json").status_code == 401
    assert MetalPrice.objects.count() == 0


@pytest.mark.parametrize(
    "payload",
    [
        {"gold_price_per_gram": "0", "silver_price_per_gram": "1.10"},
        {"gold_price_per_gram": "95.00", "silver_price_per_gram": "-1"},
        {"gold_price_per_gram": "95.001", "silver_price_per_gram": "1.10"},
        {"gold_price_per_gram": "95.00"},
        {"gold_price_per_gram": "100000.01", "silver_price_per_gram": "1.10"},
    ],
)
def test_price_validation(staff_client, payload):
    response = staff_client.post("/api/v1/zakat/metal-prices", payload, format="json")
    assert response.status_code == 400
    assert response.json()["error"] == "validation_error"
    assert MetalPrice.objects.count() == 0


def test_price_list_newest_first_and_fixed_queries(api_client):
    from datetime import timedelta

    from django.utils import timezone

    now = timezone.now()
    for days in range(3):
        MetalPriceFactory(as_of=now - timedelta(days=days))
    with CaptureQueriesContext(connection) as few:
        data = api_client.get("/api/v1/zakat/metal-prices").json()
    for days in range(3, 30):
        MetalPriceFactory(as_of=now - timedelta(days=days))
    with CaptureQueriesContext(connection) as many:
        api_client.get("/api/v1/zakat/metal-prices?limit=30")

    as_of = [item["as_of"] for item in data["items"]]
    assert as_of == sorted(as_of, reverse=True)
    assert len(few) == len(many)


# --- Records ----------------------------------------------------------------------------


def test_create_record_computes_on_the_server(auth_client):
    snapshot = MetalPriceFactory()
    payload = {
        **body(),
        "zakat_amount": "1.00",
        "payment_status": "completed",
        "is_obligated": False,
    }

    response = auth_client.post(RECORDS, payload, format="json")

    assert response.status_code == 201, response.content
    data = response.json()
    assert data["zakat_amount"] == "250.00"
    assert data["is_obligated"] is True
    assert data["payment_status"] == "pending"
    assert data["calculation_date"]
    assert data["nisab_standard"] == "stated"
    assert data["price_snapshot"]["id"] == str(snapshot.pk)
    record = ZakatRecord.objects.get(pk=data["id"])
    assert record.payer == auth_client.user


def test_create_record_validation(auth_client):
    response = auth_client.post(RECORDS, body(wealth="0.00", payer_id="abc"), format="json")

    assert response.status_code == 400
    assert set(response.json()["details"]) >= {"wealth_amount", "payer_id"}
    assert ZakatRecord.objects.count() == 0


def test_scope_others_get_403_and_never_see_it(auth_client, other_user):
    theirs = ZakatRecordFactory(payer=other_user)
    mine = ZakatRecordFactory(payer=auth_client.user)
    url = f"{RECORDS}/{theirs.pk}"

    assert auth_client.get(url).status_code == 403
    assert auth_client.patch(url, {"wealth_amount": "1.00"}, format="json").status_code == 403
    assert auth_client.delete(url).status_code == 403
    assert auth_client.get(url).json()["error"] == "permission_denied"
    ids = [r["id"] for r in auth_client.get(RECORDS).json()["items"]]
    assert ids == [str(mine.pk)]
    ids = [r["id"] for r in auth_client.get("/api/v1/zakat/my-records").json()["items"]]
    assert ids == [str(mine.pk)]
    theirs.refresh_from_db()
    assert theirs.wealth_amount == Decimal("10000.00")


def test_unknown_record_is_404(auth_client):
    response = auth_client.get(f"{RECORDS}/7c9e6679-7425-40de-944b-e07fc1f90ae7")
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"
    assert auth_client.get(f"{RECORDS}/not-a-uuid").status_code == 404


def test_staff_see_all_records_but_my_records_only_their_own(staff_client, user):
    ZakatRecordFactory(payer=user)
    own = ZakatRecordFactory(payer=staff_client.user)

    everything = staff_client.get(RECORDS).json()["items"]
    mine = staff_client.get("/api/v1/zakat/my-records").json()["items"]

    assert len(everything) == 2
    assert [r["id"] for r in mine] == [str(own.pk)]
    other = everything[-1]["id"] if everything[0]["id"] == str(own.pk) else everything[0]["id"]
    assert staff_client.get(f"{RECORDS}/{other}").status_code == 200


def test_filter_by_payment_status(auth_client):
    pending = ZakatRecordFactory(payer=auth_client.user)
    ZakatRecordFactory(payer=auth_client.user, payment_status="completed")

    items = auth_client.get(RECORDS, {"payment_status": "pending"}).json()["items"]
    bad = auth_client.get(RECORDS, {"payment_status": "bogus"})

    assert [r["id"] for r in items] == [str(pending.pk)]
    assert bad.status_code == 400
    assert bad.json()["error"] == "validation_error"


def test_put_patch_recompute_while_pending(auth_client):
    record = ZakatRecordFactory(payer=auth_client.user)
    url = f"{RECORDS}/{record.pk}"

    put = auth_client.put(url, body(payer_id="renamed-1", wealth="4000.00"), format="json")
    patch = auth_client.patch(
        url, {"wealth_amount": "6000.00", "zakat_amount": "1.00"}, format="json"
    )

    assert put.status_code == 200, put.content
    assert put.json()["zakat_amount"] == "0.00"
    assert put.json()["is_obligated"] is False
    assert put.json()["payer_id"] == "renamed-1"
    assert patch.json()["zakat_amount"] == "150.00"
    assert patch.json()["is_obligated"] is True
    assert auth_client.put(url, {"wealth_amount": "1.00"}, format="json").status_code == 400


def test_not_pending_records_cannot_change(auth_client):
    record = ZakatRecordFactory(payer=auth_client.user, payment_status="completed")
    url = f"{RECORDS}/{record.pk}"

    for response in (
        auth_client.patch(url, {"wealth_amount": "1.00"}, format="json"),
        auth_client.put(url, body(), format="json"),
        auth_client.delete(url),
    ):
        assert response.status_code == 400
        assert response.json()["error"] == "record_not_pending"
    assert ZakatRecord.objects.filter(pk=record.pk).exists()


def test_delete_pending_is_204(auth_client):
    record = ZakatRecordFactory(payer=auth_client.user)
    response = auth_client.delete(f"{RECORDS}/{record.pk}")
    assert response.status_code == 204
    assert not ZakatRecord.objects.filter(pk=record.pk).exists()


@pytest.mark.parametrize("url", [RECORDS, "/api/v1/zakat/my-records"])
def test_record_lists_run_a_fixed_number_of_queries(auth_client, url):
    snapshot = MetalPriceFactory()
    for _ in range(2):
        ZakatRecordFactory(payer=auth_client.user, price_snapshot=snapshot)
    with CaptureQueriesContext(connection) as few:
        assert len(auth_client.get(url).json()["items"]) == 2
    for _ in range(25):
        ZakatRecordFactory(payer=auth_client.user, price_snapshot=MetalPriceFactory())
    with CaptureQueriesContext(connection) as many:
        assert len(auth_client.get(url, {"limit": 100}).json()["items"]) == 27

    assert len(few) == len(many)


def test_bad_limit_and_cursor_are_400(auth_client):
    assert auth_client.get(RECORDS, {"limit": "0"}).status_code == 400
    assert auth_client.get(RECORDS, {"cursor": "garbage"}).status_code == 400


def test_list_pages_through_with_cursor(auth_client):
    for _ in range(3):
        ZakatRecordFactory(payer=auth_client.user)
    first = auth_client.get(RECORDS, {"limit": 2}).json()
    second = auth_client.get(RECORDS, {"limit": 2, "cursor": first["next_cursor"]}).json()

    assert first["has_more"] is True
    assert len(second["items"]) == 1
    assert second["has_more"] is False
    ids = {r["id"] for r in first["items"] + second["items"]}
    assert len(ids) == 3


def test_user_factory_sanity():
    assert UserFactory().email


@given(
    wealth=st.decimals(min_value=0, max_value=Decimal("9999999999999999.99"), places=2),
    nisab=st.decimals(min_value=Decimal("0.01"), max_value=Decimal("9999999.99"), places=2),
)
def test_the_lean_v1_output_equals_drfs_generic_one(wealth, nisab):
    from django.utils import timezone
    from rest_framework import serializers as drf

    from zakat import calculation
    from zakat.serializers import ZakatCalculateOut

    result = calculation.calculate_simple(wealth_amount=wealth, nisab_threshold=nisab)
    body = {
        "payer_id": "payer-1",
        "wealth_amount": result.wealth_amount,
        "nisab_threshold": result.nisab_threshold,
        "zakat_amount": result.zakat_amount,
        "is_obligated": result.is_obligated,
        "calculation_date": timezone.now(),
    }
    lean = ZakatCalculateOut(body).data
    assert lean == drf.Serializer.to_representation(ZakatCalculateOut(), body)
    assert list(lean) == list(ZakatCalculateOut().fields)
