"""Sign-in pages. Password change and reset are Django's own views with our
templates; the reset request is rate limited and mailed from the task queue."""

import hashlib
import math

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _

from accounts import money, selectors, services, tasks
from accounts.forms import RegisterForm, TopUpForm
from config.api.throttling import rate, throttle_hit
from config.errors import DomainError
from config.formtokens import once_per_form_token
from config.paging import page_of
from config.security import client_ip
from config.taskqueue import enqueue_with_transaction


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
            messages.success(
                request, _("Welcome, %(name)s! Your account is ready.") % {"name": user.name}
            )
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
                messages.success(
                    request, _("Added %(amount)s to your wallet.") % {"amount": top_up.amount}
                )
            elif top_up.redirect_url:
                return redirect(top_up.redirect_url)
            else:
                messages.error(request, _("The payment was declined; nothing was charged."))
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


RESET_THROTTLED = "Too many reset requests. Please wait a while and try again."


class PasswordResetView(auth_views.PasswordResetView):
    """Django's reset page, with two changes:

    - at most `password_reset_address` requests per client address and
      `password_reset_email` per e-mail address (THROTTLE_PASSWORD_RESET_*),
      checked and counted together; past either, 429 with Retry-After;
    - the page never looks the account up: it queues `send_password_reset`
      (config/taskqueue.py), so the answer is the same, in the same time, for
      an address with an account and one without."""

    success_url = reverse_lazy("accounts:password_reset_done")

    def form_valid(self, form):
        email = form.cleaned_data["email"]
        wait = throttle_hit(
            {
                f"throttle_password_reset_address_{client_ip(self.request)}": rate(
                    "password_reset_address"
                ),
                "throttle_password_reset_email_"
                + hashlib.sha256(email.strip().lower().encode()).hexdigest(): rate(
                    "password_reset_email"
                ),
            }
        )
        if wait > 0:
            form.add_error(None, RESET_THROTTLED)
            response = self.render_to_response(self.get_context_data(form=form), status=429)
            response["Retry-After"] = str(math.ceil(wait))
            return response
        enqueue_with_transaction(
            tasks.send_password_reset,
            email,
            self.request.get_host(),
            self.request.is_secure(),
        )
        return redirect(self.get_success_url())
