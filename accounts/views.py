"""Sign-in pages. Password change and reset are Django's own views with our templates."""

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme

from accounts import money, selectors, services
from accounts.forms import RegisterForm, TopUpForm
from config.errors import DomainError
from config.formtokens import once_per_form_token
from config.paging import page_of


def register(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("home")
    form = RegisterForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.user_create(
                email=form.cleaned_data["email"],
                name=form.cleaned_data["name"],
                password=form.cleaned_data["password1"],
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error("password1" if field == "password" else field, errors)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, f"Welcome, {user.name}! Your account is ready.")
            next_url = request.GET.get("next", "")
            if url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
                return redirect(next_url)
            return redirect("home")
    return render(request, "registration/register.html", {"form": form})


@login_required
@once_per_form_token
def wallet(request: HttpRequest) -> HttpResponse:
    """My wallet: balance, a top-up form and the history, newest first."""
    form = TopUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            top_up = services.top_up_create(user=request.user, amount=form.cleaned_data["amount"])
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            if top_up.status == top_up.Status.SUCCEEDED:
                messages.success(request, f"Added {top_up.amount} to your wallet.")
            elif top_up.redirect_url:
                return redirect(top_up.redirect_url)
            else:
                messages.error(request, "The payment was declined; nothing was charged.")
            return redirect("wallet")
    page = page_of(selectors.wallet_entry_list(user=request.user), request.GET.get("page"), 20)
    return render(
        request,
        "accounts/wallet.html",
        {
            "balance": selectors.wallet_balance(user=request.user),
            "currency": money.currency(),
            "form": form,
            "page_obj": page,
        },
    )
