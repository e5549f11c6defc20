"""Pages: my bank accounts, and withdrawing from my wallet to one of them."""

from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from accounts import money
from accounts.selectors import wallet_balance
from accounts.services import InsufficientFunds
from config.errors import DomainError
from config.paging import page_of
from payouts import selectors, services
from payouts.forms import PayoutAccountForm, WithdrawForm


def _apply_errors(form, exc: ValidationError) -> None:
    for field, errors in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


@login_required
def payout_accounts(request: HttpRequest) -> HttpResponse:
    """My saved bank accounts (masked) and a form to add one."""
    form = PayoutAccountForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.payout_account_create(
                owner=request.user,
                holder_name=form.cleaned_data["holder_name"],
                iban_value=form.cleaned_data["iban"],
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("Bank account saved."))
            return redirect("payouts:accounts")
    if form.is_bound:
        # Never send a typed IBAN back to the browser, not even with an error.
        form.data = form.data.copy()
        form.data["iban"] = ""
    return render(
        request,
        "payouts/accounts.html",
        {"form": form, "accounts": selectors.payout_account_list(user=request.user)},
    )


@login_required
@require_POST
def payout_account_delete(request: HttpRequest, pk: UUID) -> HttpResponse:
    account = selectors.payout_account_get_for(user=request.user, pk=pk)
    services.payout_account_delete(account=account, by=request.user)
    messages.success(request, _("Bank account removed."))
    return redirect("payouts:accounts")


@login_required
def withdraw(request: HttpRequest) -> HttpResponse:
    """Withdraw from my wallet to one of my bank accounts; my withdrawals below."""
    accounts = list(selectors.payout_account_list(user=request.user))
    form = WithdrawForm(request.POST or None, accounts=accounts)
    if request.method == "POST" and form.is_valid():
        try:
            account = selectors.payout_account_get_for(
                user=request.user, pk=form.cleaned_data["payout_account"]
            )
            payout = services.withdrawal_create(
                user=request.user, amount=form.cleaned_data["amount"], payout_account=account
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
        except InsufficientFunds as exc:
            form.add_error(
                "amount",
                _(
                    "Your wallet holds %(extra__available_amount)s %(currency)s, less than %(extra__required_amount)s."
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
            if payout.status == payout.Status.PENDING_APPROVAL:
                messages.success(
                    request,
                    _(
                        "%(amount)s is held for your withdrawal; our finance team approves withdrawals above the limit before they are sent."
                    )
                    % {"amount": payout.amount},
                )
            else:
                messages.success(
                    request, _("%(amount)s is on its way to your bank.") % {"amount": payout.amount}
                )
            return redirect("payouts:withdraw")
    page = page_of(
        selectors.withdrawal_list(user=request.user, mine=True), request.GET.get("page"), 20
    )
    return render(
        request,
        "payouts/withdraw.html",
        {
            "form": form,
            "has_accounts": bool(accounts),
            "balance": wallet_balance(user=request.user),
            "currency": money.currency(),
            "limit": services.approval_limit(),
            "page_obj": page,
        },
    )
