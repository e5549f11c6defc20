"""The metal price feed: fetch, validate, convert. No database here.

Accepted format (one JSON object, UTF-8)::

    {
      "currency": "USD",            # ISO 4217; must be the platform currency
      "unit": "gram",               # "gram" or "troy_ounce" (31.1034768 g)
      "gold": "95.12",              # price of one unit of gold; string or JSON number
      "silver": "1.10",             # price of one unit of silver
      "as_of": "2026-11-26T12:00:00Z"   # optional ISO 8601 datetime with a zone
    }

Prices are parsed as Decimal (never float), must be positive and finite, and
after conversion to grams must lie in sane ranges (gold 1..10000 per gram,
silver 0.01..1000 per gram, gold dearer than silver). Anything else is a
FeedError, and the caller keeps the prices it had.
"""

import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation

import requests
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from requests.adapters import HTTPAdapter
from urllib3.util import Retry

from accounts.money import quantize
from zakat.calculation import ounce_to_gram_price

logger = logging.getLogger(__name__)

CONNECT_TIMEOUT = 3.05
READ_TIMEOUT = 10.0
RETRIES = 3
BACKOFF_FACTOR = 0.5
MAX_BODY_BYTES = 64 * 1024

GOLD_RANGE = (Decimal("1"), Decimal("10000"))
SILVER_RANGE = (Decimal("0.01"), Decimal("1000"))
UNITS = ("gram", "troy_ounce")


class FeedError(Exception):
    """The feed could not be fetched or did not hold a usable price."""


@dataclass(frozen=True)
class FeedPrices:
    currency: str
    gold_price_per_gram: Decimal
    silver_price_per_gram: Decimal
    as_of: datetime


def make_session() -> requests.Session:
    """A Session that retries connect and read failures and 500/502/503/504 answers
    with exponential backoff, and never retries a 4xx (the request itself is wrong)."""
    retry = Retry(
        total=RETRIES,
        connect=RETRIES,
        read=RETRIES,
        status=RETRIES,
        other=0,
        backoff_factor=BACKOFF_FACTOR,
        status_forcelist=(500, 502, 503, 504),
        allowed_methods=frozenset({"GET"}),
        respect_retry_after_header=False,
        raise_on_status=False,
    )
    session = requests.Session()
    adapter = HTTPAdapter(max_retries=retry)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.headers["Accept"] = "application/json"
    return session


def fetch(url: str, *, currency: str) -> FeedPrices:
    """GET the feed and parse it. Raises FeedError for any failure."""
    try:
        with make_session() as session:
            response = session.get(url, timeout=(CONNECT_TIMEOUT, READ_TIMEOUT))
    except requests.RequestException as exc:
        raise FeedError(f"fetch failed: {exc.__class__.__name__}: {exc}") from exc
    if response.status_code != 200:
        raise FeedError(f"feed answered HTTP {response.status_code}")
    if len(response.content) > MAX_BODY_BYTES:
        raise FeedError("feed body is too large")
    return parse(response.content, currency=currency)


def _reject_constant(name: str):
    raise ValueError(f"{name} is not a price")


def _price(payload: dict, key: str) -> Decimal:
    value = payload.get(key)
    if isinstance(value, bool) or not isinstance(value, (str, Decimal, int)):
        raise FeedError(f"{key!r} must be a decimal number")
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation as exc:
        raise FeedError(f"{key!r} is not a decimal number") from exc
    if not number.is_finite() or number <= 0:
        raise FeedError(f"{key!r} must be a positive finite number")
    return number


def parse(body: bytes, *, currency: str) -> FeedPrices:
    """Validate a feed body strictly and return per-gram prices rounded to cents."""
    try:
        payload = json.loads(body, parse_float=Decimal, parse_constant=_reject_constant)
    except (ValueError, UnicodeDecodeError) as exc:
        raise FeedError(f"feed is not valid JSON: {exc}") from exc
    if not isinstance(payload, dict):
        raise FeedError("feed must be a JSON object")
    if payload.get("currency") != currency:
        raise FeedError(f"feed currency {payload.get('currency')!r} is not {currency!r}")
    unit = payload.get("unit", "gram")
    if unit not in UNITS:
        raise FeedError(f"unknown unit {unit!r}; expected one of {UNITS}")
    gold = _price(payload, "gold")
    silver = _price(payload, "silver")
    if unit == "troy_ounce":
        gold, silver = ounce_to_gram_price(gold), ounce_to_gram_price(silver)
    gold, silver = quantize(gold), quantize(silver)
    if not GOLD_RANGE[0] <= gold <= GOLD_RANGE[1]:
        raise FeedError(f"gold {gold}/g is outside the sane range {GOLD_RANGE}")
    if not SILVER_RANGE[0] <= silver <= SILVER_RANGE[1]:
        raise FeedError(f"silver {silver}/g is outside the sane range {SILVER_RANGE}")
    if gold <= silver:
        raise FeedError("gold must be dearer than silver")

    now = timezone.now()
    raw_as_of = payload.get("as_of")
    if raw_as_of is None:
        as_of = now
    else:
        try:
            as_of = parse_datetime(raw_as_of) if isinstance(raw_as_of, str) else None
        except ValueError:
            as_of = None
        if as_of is None or timezone.is_naive(as_of):
            raise FeedError("as_of must be an ISO 8601 datetime with a time zone")
        if as_of > now + timedelta(minutes=5):
            raise FeedError("as_of is in the future")
    return FeedPrices(
        currency=currency, gold_price_per_gram=gold, silver_price_per_gram=silver, as_of=as_of
    )
