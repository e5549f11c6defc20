"""Zakat pages: the public calculator, My zakat, paying a record and its receipt."""

from uuid import UUID

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from accounts import money
from accounts import selectors as account_selectors
from accounts.services import InsufficientFunds
from config.errors import DomainError
from config.formtokens import once_per_form_token
from config.paging import page_of
from zakat import calculation, selectors, services
from zakat.dates import hijri_label
from zakat.forms import CalculatorForm, FitrForm, HawlForm

RECORDS_PER_PAGE = 10

# The calculator's lines and standards in the page's language. The API keeps the
# English labels of calculation.LINE_LABELS and the codes; only the page translates.
LINE_LABELS = {
    "cash": _("Cash and bank balances"),
    "gold": _("Gold"),
    "silver": _("Silver"),
    "investments": _("Investments (shares, funds)"),
    "business_inventory": _("Business inventory at market value"),
    "receivables": _("Receivables expected to be paid"),
    "short_term_debts": _("Short-term debts due now (deducted)"),
}
STANDARD_NAMES = {"gold": _("gold"), "silver": _("silver")}


def _standard_name(code: str) -> str:
    return STANDARD_NAMES.get(code, code)


def _breakdown_shown(result: calculation.ItemizedResult, karat: int) -> list[dict]:
    """The breakdown's rows with each label in the page's language."""
    rows = []
    for row in services.breakdown_json(result):
        label = LINE_LABELS.get(row["code"], row["label"])
        if row["code"] == "gold" and karat != calculation.PURE_GOLD_KARAT:
            label = _("Gold (%(karat)s karat)") % {"karat": karat}
        rows.append({**row, "label": label})
    return rows


def calculator(request: HttpRequest) -> HttpResponse:
    """Public itemized calculator. A GET form, so it works without JS and the
    result can be bookmarked; saving it as a record is a POST of the same inputs."""
    snapshot = selectors.metal_price_current()
    submitted = "calculate" in request.GET
    form = CalculatorForm(request.GET if submitted else None)
    result = None
    if submitted and form.is_valid() and snapshot is not None:
        try:
            result = calculation.calculate_itemized(
                assets=form.assets(),
                liabilities=form.liabilities(),
                nisab_standard=form.standard(),
                gold_price_per_gram=snapshot.gold_price_per_gram,
                silver_price_per_gram=snapshot.silver_price_per_gram,
            )
        except calculation.AmountTooLarge as exc:
            form.add_too_large(exc, services.TOO_LARGE_MESSAGE)
    nisab = None
    if snapshot is not None:
        nisab = calculation.nisab_thresholds(
            gold_price_per_gram=snapshot.gold_price_per_gram,
            silver_price_per_gram=snapshot.silver_price_per_gram,
        )
    return render(
        request,
        "zakat/calculator.html",
        {
            "form": form,
            "snapshot": snapshot,
            "nisab": nisab,
            "result": result,
            "breakdown": _breakdown_shown(result, form.assets().gold_karat) if result else [],
            "standard_name": _standard_name(result.nisab_standard) if result else None,
            "other_standard_name": (
                _standard_name(result.other_standard.nisab_standard)
                if result and result.other_standard
                else None
            ),
            "zakatable_wealth": money.quantize(result.zakatable_wealth) if result else None,
            "currency": money.currency(),
            "gold_grams": calculation.GOLD_NISAB_GRAMS,
            "silver_grams": calculation.SILVER_NISAB_GRAMS,
            "prices_stale": services.prices_stale(snapshot) if snapshot else False,
            "max_age_days": settings.METAL_PRICES_MAX_AGE_DAYS,
        },
    )


@login_required
@require_POST
def record_save(request: HttpRequest) -> HttpResponse:
    """Save the calculator's result; the figures are recomputed on the server."""
    form = CalculatorForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The calculation could not be saved: please check the figures."))
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
        messages.success(
            request,
            _("Saved. Zakat due: %(zakat_amount)s %(currency)s.")
            % {"zakat_amount": record.zakat_amount, "currency": money.currency()},
        )
    else:
        messages.success(request, _("Saved. Your wealth is below the nisab, so no zakat is due."))
    return redirect("zakat:records")


@login_required
def records(request: HttpRequest, hawl_form: HawlForm | None = None) -> HttpResponse:
    """My zakat: my records (paginated), my hawl date and its due date in both
    calendars, and the form to set it (shown again with its errors after a bad POST)."""
    page = page_of(
        selectors.zakat_record_list(user=request.user, mine=True),
        request.GET.get("page"),
        RECORDS_PER_PAGE,
    )
    hawl = selectors.hawl_for(user=request.user)
    return render(
        request,
        "zakat/records.html",
        {
            "page_obj": page,
            "hawl": hawl,
            "hawl_hijri": hijri_label(hawl.started_on) if hawl else "",
            "due_hijri": hijri_label(hawl.next_due) if hawl else "",
            "hawl_form": hawl_form
            or HawlForm(initial={"started_on": hawl.started_on} if hawl else None),
            "balance": account_selectors.wallet_balance(user=request.user),
            "currency": money.currency(),
        },
    )


@login_required
@require_POST
def hawl(request: HttpRequest) -> HttpResponse:
    if "clear" in request.POST:
        services.hawl_clear(user=request.user)
        messages.success(request, _("Your hawl date was cleared."))
        return redirect("zakat:records")
    form = HawlForm(request.POST)
    if form.is_valid():
        try:
            services.hawl_set(user=request.user, start_date=form.cleaned_data["started_on"])
        except ValidationError as exc:
            form.add_error("started_on", exc.messages)
        else:
            messages.success(request, _("Your hawl date was saved."))
            return redirect("zakat:records")
    return records(request, hawl_form=form)


@login_required
@once_per_form_token
def pay(request: HttpRequest, pk: UUID) -> HttpResponse:
    """Confirm (GET) and pay (POST) one of my records from my wallet. Someone else's
    record is 403, staff included (NotAllowed escapes as Django's 403 page)."""
    record = selectors.zakat_record_get_for(user=request.user, pk=pk)
    services.zakat_payment_check_payer(record=record, payer=request.user)
    if request.method == "POST":
        try:
            payment = services.zakat_payment_create(record=record, payer=request.user)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request,
                _(
                    "Paid %(amount)s %(currency)s of zakat. Receipt %(receipt_label)s is on its way to %(email)s."
                )
                % {
                    "amount": payment.amount,
                    "currency": money.currency(),
                    "receipt_label": payment.receipt_label,
                    "email": request.user.email,
                },
            )
        return redirect("zakat:records")
    return render(
        request,
        "zakat/pay_confirm.html",
        {
            "record": record,
            "balance": account_selectors.wallet_balance(user=request.user),
            "currency": money.currency(),
        },
    )


@login_required
def receipt(request: HttpRequest, pk: UUID) -> HttpResponse:
    """A printable receipt; the payer and staff may see it."""
    payment = selectors.zakat_payment_get_for(user=request.user, pk=pk)
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


# --- Zakat al-fitr --------------------------------------------------------------------

FITR_PAYMENTS_SHOWN = 20


def fitr(request: HttpRequest) -> HttpResponse:
    """This year's zakat al-fitr: the amount per person, the deadline, a form to pay
    for one's household and one's own payments. Anyone may read it; paying needs
    an account (POST by a visitor goes to the sign-in page)."""
    if request.method == "POST" and not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    form = FitrForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            payment = services.fitr_payment_create(
                payer=request.user, people=form.cleaned_data["people"]
            )
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        except InsufficientFunds as exc:
            form.add_error(
                "people",
                _(
                    "Your wallet holds %(extra__available_amount)s %(currency)s, less than %(extra__required_amount)s. Top up your wallet first."
                )
                % {
                    "extra__available_amount": exc.extra["available_amount"],
                    "currency": money.currency(),
                    "extra__required_amount": exc.extra["required_amount"],
                },
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request,
                _(
                    "Paid %(amount)s %(currency)s of zakat al-fitr for %(people)s. Receipt %(receipt_label)s is on its way to %(email)s."
                )
                % {
                    "amount": payment.amount,
                    "currency": money.currency(),
                    "people": payment.people,
                    "receipt_label": payment.receipt_label,
                    "email": request.user.email,
                },
            )
            return redirect("zakat:fitr")
    season = selectors.fitr_season()
    signed_in = request.user.is_authenticated
    payments = (
        list(selectors.fitr_payment_list(user=request.user, mine=True)[:FITR_PAYMENTS_SHOWN])
        if signed_in
        else []
    )
    return render(
        request,
        "zakat/fitr.html",
        {
            "season": season,
            "deadline_day": season.deadline.date(),
            "deadline_hijri": hijri_label(season.deadline.date()),
            "form": form,
            "payments": payments,
            "balance": account_selectors.wallet_balance(user=request.user) if signed_in else None,
            "currency": money.currency(),
        },
    )


@login_required
def fitr_receipt(request: HttpRequest, pk: UUID) -> HttpResponse:
    """A printable zakat al-fitr receipt; the payer and staff may see it."""
    payment = selectors.fitr_payment_get_for(user=request.user, pk=pk)
    return render(
        request,
        "zakat/fitr_receipt.html",
        {
            "payment": payment,
            "currency": money.currency(),
            "paid_hijri": hijri_label(payment.paid_at.date()),
        },
    )
