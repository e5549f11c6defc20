"""Zakat pages: the public calculator, My zakat, paying a record and its receipt."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from accounts import money
from accounts import selectors as account_selectors
from config.errors import DomainError
from config.paging import page_of
from zakat import calculation, selectors, services
from zakat.dates import hijri_label
from zakat.forms import CalculatorForm, HawlForm
from zakat.models import ZakatRecord


def calculator(request: HttpRequest) -> HttpResponse:
    """Public itemized calculator. A GET form, so it works without JS and the
    result can be bookmarked; saving it as a record is a POST of the same inputs."""
    snapshot = selectors.metal_price_current()
    submitted = "calculate" in request.GET
    form = CalculatorForm(request.GET if submitted else None)
    result = None
    if submitted and form.is_valid() and snapshot is not None:
        result = calculation.calculate_itemized(
            assets=form.assets(),
            liabilities=form.liabilities(),
            nisab_standard=form.standard(),
            gold_price_per_gram=snapshot.gold_price_per_gram,
            silver_price_per_gram=snapshot.silver_price_per_gram,
        )
    nisab = None
    if snapshot is not None:
        prices = {
            "gold_price_per_gram": snapshot.gold_price_per_gram,
            "silver_price_per_gram": snapshot.silver_price_per_gram,
        }
        nisab = {
            "gold": calculation.nisab_threshold(standard="gold", **prices),
            "silver": calculation.nisab_threshold(standard="silver", **prices),
        }
    return render(
        request,
        "zakat/calculator.html",
        {
            "form": form,
            "snapshot": snapshot,
            "nisab": nisab,
            "result": result,
            "breakdown": services.breakdown_json(result) if result else [],
            "zakatable_wealth": money.quantize(result.zakatable_wealth) if result else None,
            "currency": money.currency(),
            "gold_grams": calculation.GOLD_NISAB_GRAMS,
            "silver_grams": calculation.SILVER_NISAB_GRAMS,
        },
    )


@login_required
@require_POST
def record_save(request: HttpRequest) -> HttpResponse:
    """Save the calculator's result; the figures are recomputed on the server."""
    form = CalculatorForm(request.POST)
    if not form.is_valid():
        messages.error(request, "The calculation could not be saved: please check the figures.")
        return redirect("zakat:calculator")
    try:
        record = services.zakat_record_create_itemized(
            payer=request.user,
            assets=form.assets(),
            liabilities=form.liabilities(),
            nisab_standard=form.standard(),
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("zakat:calculator")
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("zakat:calculator")
    if record.is_obligated:
        messages.success(request, f"Saved. Zakat due: {record.zakat_amount} {money.currency()}.")
    else:
        messages.success(request, "Saved. Your wealth is below the nisab, so no zakat is due.")
    return redirect("zakat:records")


@login_required
def records(request: HttpRequest) -> HttpResponse:
    """My zakat: my records (paginated), my hawl date in both calendars."""
    page = page_of(selectors.zakat_record_list_own(user=request.user), request.GET.get("page"), 10)
    hawl = selectors.hawl_for(user=request.user)
    wallet = account_selectors.wallet_for(user=request.user)
    return render(
        request,
        "zakat/records.html",
        {
            "page_obj": page,
            "hawl": hawl,
            "hawl_hijri": hijri_label(hawl.started_on) if hawl else "",
            "due_hijri": hijri_label(hawl.next_due) if hawl else "",
            "hawl_form": HawlForm(initial={"started_on": hawl.started_on} if hawl else None),
            "balance": wallet.balance if wallet else money.ZERO,
            "currency": money.currency(),
        },
    )


@login_required
@require_POST
def hawl(request: HttpRequest) -> HttpResponse:
    if "clear" in request.POST:
        services.hawl_clear(user=request.user)
        messages.success(request, "Your hawl date was cleared.")
        return redirect("zakat:records")
    form = HawlForm(request.POST)
    if form.is_valid():
        try:
            services.hawl_set(user=request.user, started_on=form.cleaned_data["started_on"])
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, "Your hawl date was saved.")
    else:
        messages.error(request, "Enter a valid date.")
    return redirect("zakat:records")


def _own_record(request: HttpRequest, pk) -> ZakatRecord:
    record = get_object_or_404(ZakatRecord, pk=pk)
    if record.payer_id != request.user.pk:
        raise PermissionDenied
    return record


@login_required
def pay(request: HttpRequest, pk) -> HttpResponse:
    """Confirm (GET) and pay (POST) one of my records from my wallet."""
    record = _own_record(request, pk)
    if request.method == "POST":
        try:
            payment = services.zakat_payment_create(record=record, payer=request.user)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request,
                f"Paid {payment.amount} {money.currency()} of zakat. "
                f"Receipt {payment.receipt_label} is on its way to {request.user.email}.",
            )
        return redirect("zakat:records")
    wallet = account_selectors.wallet_for(user=request.user)
    return render(
        request,
        "zakat/pay_confirm.html",
        {
            "record": record,
            "balance": wallet.balance if wallet else money.ZERO,
            "currency": money.currency(),
        },
    )


@login_required
def receipt(request: HttpRequest, pk) -> HttpResponse:
    """A printable receipt; the payer and staff may see it."""
    payment = selectors.zakat_payment_for_receipt(payment_id=pk)
    if payment is None:
        raise Http404
    if payment.payer_id != request.user.pk and not request.user.is_staff:
        raise PermissionDenied
    return render(
        request,
        "zakat/receipt.html",
        {
            "payment": payment,
            "record": payment.record,
            "currency": money.currency(),
            "paid_hijri": hijri_label(payment.paid_at.date()),
        },
    )
