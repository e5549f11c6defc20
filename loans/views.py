"""Financing pages: my financing, apply, one loan, request and view a murabaha."""

from collections.abc import Callable
from decimal import Decimal
from uuid import UUID

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from accounts.selectors import wallet_balance
from config.errors import DomainError
from config.formtokens import once_per_form_token
from loans import selectors, services
from loans.forms import AcceptOfferForm, LoanApplyForm, MurabahaRequestForm, PaymentForm
from loans.models import MurabahaContract, Payment
from loans.schedules import build_schedule


def _form_errors(form: forms.Form, exc: ValidationError) -> None:
    for name, errors in exc.message_dict.items():
        form.add_error(name if name in form.fields else None, errors)


def _source(request: HttpRequest, owner_id) -> str:
    """The owner pays from their wallet; staff on the page record cash received
    (nobody but the owner ever takes from a wallet)."""
    return Payment.Source.WALLET if request.user.pk == owner_id else Payment.Source.EXTERNAL


@login_required
def my_financing(request: HttpRequest) -> HttpResponse:
    """Every loan and contract of mine, with progress and status."""
    return render(
        request,
        "loans/index.html",
        {
            "loans": selectors.loan_list(user=request.user, mine=True),
            "contracts": selectors.contract_list(user=request.user, mine=True),
        },
    )


@login_required
def loan_apply(request: HttpRequest) -> HttpResponse:
    maximum = services.loan_max_principal()
    form = LoanApplyForm(request.POST or None, max_principal=maximum)
    if request.method == "POST" and form.is_valid():
        try:
            loan = services.loan_apply(borrower=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("Your application is in. We will review it soon."))
            return redirect("loans:loan", pk=loan.pk)
    return render(request, "loans/apply.html", {"form": form, "max_principal": maximum})


@login_required
@once_per_form_token
def loan_detail(request: HttpRequest, pk: UUID) -> HttpResponse:
    loan = selectors.loan_get_for(user=request.user, pk=pk)
    form = PaymentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.loan_repay(
                loan=loan,
                amount=form.cleaned_data["amount"],
                by=request.user,
                source=_source(request, loan.borrower_id),
            )
        except ValidationError as exc:
            _form_errors(form, exc)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request,
                _("Thank you: %(cleaned_data__amount)s repaid.")
                % {"cleaned_data__amount": form.cleaned_data["amount"]},
            )
            return redirect("loans:loan", pk=loan.pk)
    return render(
        request,
        "loans/loan_detail.html",
        {
            "loan": loan,
            "installments": selectors.installment_list(parent=loan),
            "form": form,
            "is_borrower": loan.borrower_id == request.user.pk,
            "wallet_balance": wallet_balance(user=request.user),
        },
    )


@login_required
def murabaha_new(request: HttpRequest) -> HttpResponse:
    form = MurabahaRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            contract = services.murabaha_request(customer=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(
                request, _("Request received. We will buy the asset and send an offer.")
            )
            return redirect("loans:murabaha", pk=contract.pk)
    return render(request, "loans/murabaha_new.html", {"form": form})


@login_required
@once_per_form_token
def murabaha_detail(
    request: HttpRequest, pk: UUID, accept_form: AcceptOfferForm | None = None
) -> HttpResponse:
    contract = selectors.contract_get_for(user=request.user, pk=pk)
    posting = request.method == "POST" and accept_form is None  # not the accept form's
    charity = posting and request.POST.get("purpose") == "charity"
    form = PaymentForm(request.POST if posting and not charity else None)
    charity_form = PaymentForm(request.POST if charity else None, auto_id="charity_%s")
    paying = charity_form if charity else form
    if posting and paying.is_valid():
        pay = services.murabaha_charity_pay if charity else services.murabaha_pay
        try:
            pay(
                contract=contract,
                amount=paying.cleaned_data["amount"],
                by=request.user,
                source=_source(request, contract.customer_id),
            )
        except ValidationError as exc:
            _form_errors(paying, exc)
        except DomainError as exc:
            paying.add_error(None, exc.message)
        else:
            what = _("given to charity") if charity else _("paid")
            messages.success(
                request,
                _("Thank you: %(cleaned_data__amount)s %(what)s.")
                % {"cleaned_data__amount": paying.cleaned_data["amount"], "what": what},
            )
            return redirect("loans:murabaha", pk=contract.pk)
    preview = []
    if contract.status == contract.Status.OFFERED:
        preview = build_schedule(
            total=contract.financed_amount,
            count=contract.installments_count,
            start=timezone.localdate(),
        )
    markup_percent = None
    if contract.markup_amount is not None:
        markup_percent = (contract.markup_amount * 100 / contract.cost_price).quantize(
            Decimal("0.01")
        )
    return render(
        request,
        "loans/murabaha_detail.html",
        {
            "contract": contract,
            "installments": selectors.installment_list(parent=contract),
            "preview": preview,
            "markup_percent": markup_percent,
            "accept_form": accept_form or AcceptOfferForm(),
            "charity_form": charity_form,
            "form": form,
            "is_customer": contract.customer_id == request.user.pk,
            "wallet_balance": wallet_balance(user=request.user),
        },
    )


def _contract_move(
    request: HttpRequest,
    contract: MurabahaContract,
    move: Callable[..., MurabahaContract],
    done: str,
) -> HttpResponse:
    try:
        move(contract=contract, by=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, done)
    return redirect("loans:murabaha", pk=contract.pk)


@login_required
@require_POST
@once_per_form_token
def murabaha_accept(request: HttpRequest, pk: UUID) -> HttpResponse:
    contract = selectors.contract_get_for(user=request.user, pk=pk)
    form = AcceptOfferForm(request.POST)
    if not form.is_valid():  # shown beside the offer, nothing accepted
        return murabaha_detail(request, pk=pk, accept_form=form)
    return _contract_move(
        request, contract, services.murabaha_accept, "Accepted. Your installment plan has started."
    )


@login_required
@require_POST
def murabaha_cancel(request: HttpRequest, pk: UUID) -> HttpResponse:
    contract = selectors.contract_get_for(user=request.user, pk=pk)
    return _contract_move(request, contract, services.murabaha_cancel, "The request was cancelled.")
