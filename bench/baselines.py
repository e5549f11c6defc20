"""Baseline views for the benchmark: bare Django, no DRF.

Each runs the same query as its API endpoint (the same selector or queryset)
and returns the same JSON, built by hand with `.values()`-style dicts and the
stdlib `json`, so the ratio API / baseline measures what DRF (serializers,
content negotiation, throttling, the exception envelope) costs on top of the
unavoidable work. Mounted only when BENCH_BASELINES=1 (see bench/urls.py).
"""

import json
from datetime import datetime
from decimal import Decimal
from uuid import UUID

from django.core import signing
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from rest_framework_simplejwt.authentication import JWTAuthentication

from accounts import money
from campaigns import selectors as campaign_selectors
from campaigns import services as campaign_services
from campaigns.models import Campaign
from config.errors import NotFound
from loans import selectors as loan_selectors
from zakat import calculation

_CURSOR_SALT = "ose.api.cursor"  # the API's, so baseline and API accept the same cursors
_jwt = JWTAuthentication()


def _default(value):
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, UUID):
        return str(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    raise TypeError(type(value))


def _json(data, status: int = 200) -> HttpResponse:
    return HttpResponse(
        json.dumps(data, default=_default), status=status, content_type="application/json"
    )


def _user(request: HttpRequest):
    found = _jwt.authenticate(request)
    return found[0] if found else None


def _campaign_row(c: Campaign) -> dict:
    return {
        "id": c.pk,
        "name": c.name,
        "description": c.description,
        "target_amount": money.quantize(c.target_amount),
        "current_amount": money.quantize(c.current_amount),
        "donor_count": c.donor_count,
        "status": c.status,
        "start_date": c.start_date,
        "end_date": c.end_date,
        "progress_percentage": c.progress_percentage,
        "organizer_name": c.organizer.name,
        "created_at": c.created_at,
    }


def campaign_list(request: HttpRequest) -> HttpResponse:
    """GET /bench/campaigns?limit=&cursor=: keyset page on (-created_at, -id)."""
    limit = int(request.GET.get("limit", "20"))
    qs = campaign_selectors.campaign_list(user=None)
    offset = 0
    token = request.GET.get("cursor")
    if token:
        offset, _reverse, position = signing.loads(token, salt=_CURSOR_SALT)
        qs = qs.filter(created_at__lt=position)  # DRF's cursor: position + offset for ties
    rows = list(qs[offset : offset + limit + 1])
    has_more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = None
    if has_more:
        position = rows[-1].created_at.isoformat()
        next_cursor = signing.dumps([0, 0, position], salt=_CURSOR_SALT, compress=True)
    return _json(
        {
            "items": [_campaign_row(c) for c in rows],
            "next_cursor": next_cursor,
            "has_more": has_more,
        }
    )


def campaign_detail(request: HttpRequest, pk) -> HttpResponse:
    try:
        campaign = campaign_selectors.campaign_get_for(user=None, pk=pk)
    except NotFound:
        return JsonResponse({"error": "not_found"}, status=404)
    return _json(_campaign_row(campaign))


@csrf_exempt
def donation_create(request: HttpRequest, pk) -> HttpResponse:
    user = _user(request)
    if user is None:
        return JsonResponse({"error": "not_authenticated"}, status=401)
    data = json.loads(request.body)
    campaign = Campaign.objects.get(pk=pk)
    donation = campaign_services.donation_create(
        donor=user,
        campaign=campaign,
        amount=Decimal(data["amount"]),
        message=data.get("message", ""),
        is_anonymous=bool(data.get("is_anonymous", False)),
    )
    return _json(
        {
            "id": donation.pk,
            "campaign_id": donation.campaign_id,
            "amount": money.quantize(donation.amount),
            "message": donation.message,
            "is_anonymous": donation.is_anonymous,
            "donor_name": donation.donor_name_for(user),
            "status": donation.status,
            "created_at": donation.created_at,
        },
        status=201,
    )


@csrf_exempt
def zakat_calculate(request: HttpRequest) -> HttpResponse:
    if _user(request) is None:
        return JsonResponse({"error": "not_authenticated"}, status=401)
    data = json.loads(request.body)
    result = calculation.calculate_simple(
        wealth_amount=Decimal(data["wealth_amount"]),
        nisab_threshold=Decimal(data["nisab_threshold"]),
    )
    return _json(
        {
            "payer_id": data["payer_id"],
            "wealth_amount": money.quantize(result.wealth_amount),
            "nisab_threshold": money.quantize(result.nisab_threshold),
            "zakat_amount": money.quantize(result.zakat_amount),
            "is_obligated": result.is_obligated,
            "calculation_date": timezone.now(),
        }
    )


def loan_detail(request: HttpRequest, pk) -> HttpResponse:
    user = _user(request)
    if user is None:
        return JsonResponse({"error": "not_authenticated"}, status=401)
    loan = loan_selectors.loan_get_for(user=user, pk=pk)
    return _json(
        {
            "id": loan.pk,
            "borrower_id": loan.borrower_id,
            "principal_amount": money.quantize(loan.principal_amount),
            "repaid_amount": money.quantize(loan.repaid_amount),
            "remaining_balance": money.quantize(loan.remaining_balance),
            "status": loan.status,
            "purpose": loan.purpose,
            "repayment_months": loan.repayment_months,
            "disbursement_date": loan.disbursement_date,
            "created_at": loan.created_at,
            "days_past_due": loan.days_past_due,
        }
    )
