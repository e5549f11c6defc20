"""Second-factor pages: the code step of sign-in and the enrolment pages.

/accounts/login/ checks the password; for an account with an authenticator it
signs nobody in yet but remembers who passed (for 5 minutes, in the session) and
sends them to /accounts/login/mfa/ for the code. The same code page also
verifies a session that is signed in without the code (a staff member who
enrolled after signing in). Every write is a service of accounts.services.mfa.
"""

import time

import django_otp
from django.contrib import messages
from django.contrib.auth import REDIRECT_FIELD_NAME, login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext_lazy as _

from accounts.forms import LoginForm, MfaCodeForm, MfaEnrolForm, MfaRemoveForm
from accounts.models import User
from accounts.services import mfa
from config.errors import DomainError
from staff.permissions import mfa_applies

PENDING = "mfa_pending"


def _safe_next(request: HttpRequest) -> str:
    """The page to go on to (?next= or the form's), if it is one of ours; else ""."""
    target = request.POST.get(REDIRECT_FIELD_NAME) or request.GET.get(REDIRECT_FIELD_NAME, "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return ""


def _next(request: HttpRequest, default: str = "") -> str:
    return _safe_next(request) or default or reverse("home")


def _with_next(name: str, next_url: str) -> str:
    return (
        f"{reverse(name)}?{urlencode({REDIRECT_FIELD_NAME: next_url})}"
        if next_url
        else reverse(name)
    )


class LoginView(auth_views.LoginView):
    """Django's sign-in, with the code step for accounts that enrolled an authenticator."""

    authentication_form = LoginForm
    redirect_authenticated_user = True

    def form_valid(self, form) -> HttpResponse:
        user = form.get_user()
        next_url = self.request.POST.get(REDIRECT_FIELD_NAME, "")
        if mfa.mfa_enrolled(user=user):
            self.request.session[PENDING] = {
                "user": str(user.pk),
                "backend": user.backend,
                "at": int(time.time()),
            }
            return redirect(_with_next("accounts:login_mfa", next_url))
        response = super().form_valid(form)
        if mfa_applies(user):
            # Staff who must use a second factor and have none: enrol it first.
            messages.info(self.request, "Staff accounts need an authenticator: set it up now.")
            return redirect(_with_next("accounts:mfa_enrol", next_url))
        return response


def _pending_user(request: HttpRequest) -> User | None:
    pending = request.session.get(PENDING)
    if not pending or time.time() - pending.get("at", 0) > mfa.LOGIN_STEP_SECONDS:
        request.session.pop(PENDING, None)
        return None
    return User.objects.filter(pk=pending["user"], is_active=True).first()


def login_mfa(request: HttpRequest) -> HttpResponse:
    """The code step: after the password, or for a signed-in session without the code."""
    user = _pending_user(request)
    signed_in = request.user.is_authenticated and not request.user.is_verified()
    if user is None and signed_in and mfa.mfa_enrolled(user=request.user):
        user = request.user
    if user is None:
        if request.user.is_authenticated:
            return redirect(_next(request))
        messages.info(request, _("Sign in again: the code step waits only 5 minutes."))
        return redirect(_with_next("accounts:login", _safe_next(request)))

    form = MfaCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device = mfa.mfa_verify(user=user, code=form.cleaned_data["code"], request=request)
        except DomainError as exc:
            form.add_error("code", exc.message)
        else:
            if not request.user.is_authenticated or request.user.pk != user.pk:
                backend = request.session[PENDING]["backend"]
                login(request, user, backend=backend)
            request.session.pop(PENDING, None)
            django_otp.login(request, device)
            return redirect(_next(request))
    return render(
        request,
        "registration/login_mfa.html",
        {"form": form, "next": _safe_next(request)},
    )


@login_required
def mfa_status(request: HttpRequest) -> HttpResponse:
    user = request.user
    return render(
        request,
        "accounts/mfa_status.html",
        {
            "enrolled": mfa.mfa_enrolled(user=user),
            "codes_left": mfa.recovery_codes_left(user=user),
            "required": mfa_applies(user),
            "verified": user.is_verified(),
        },
    )


@login_required
def mfa_enrol(request: HttpRequest) -> HttpResponse:
    """Scan the QR code (or type the secret), confirm with a code, get the recovery
    codes once."""
    user = request.user
    if mfa.mfa_enrolled(user=user):
        messages.info(request, _("An authenticator is already set up; replace it to change it."))
        return redirect("accounts:mfa")
    device = mfa.mfa_enrol_start(user=user)
    form = MfaEnrolForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device, codes = mfa.mfa_enrol_confirm(user=user, code=form.cleaned_data["code"])
        except ValidationError as exc:
            for error in exc.message_dict.get("code", exc.messages):
                form.add_error("code", error)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            # The code just given proves the factor: this session is verified.
            django_otp.login(request, device)
            return render(
                request,
                "accounts/mfa_codes.html",
                {"codes": codes, "next": _next(request, reverse("accounts:mfa"))},
            )
    return render(
        request,
        "accounts/mfa_enrol.html",
        {
            "form": form,
            "qr_svg": mfa.totp_qr_svg(device),
            "secret": mfa.totp_secret(device),
            "next": _safe_next(request),
        },
    )


@login_required
def mfa_remove(request: HttpRequest, replace: bool = False) -> HttpResponse:
    """Remove (or replace: remove, then enrol again) one's own authenticator, after
    the password and a current code."""
    if not mfa.mfa_enrolled(user=request.user):
        return redirect("accounts:mfa")
    form = MfaRemoveForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            mfa.mfa_remove(
                user=request.user,
                password=form.cleaned_data["password"],
                code=form.cleaned_data["code"],
                request=request,
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        except DomainError as exc:
            form.add_error("code", exc.message)
        else:
            if replace:
                messages.success(
                    request, _("The old authenticator is removed: set up the new one.")
                )
                return redirect("accounts:mfa_enrol")
            messages.success(request, _("Your authenticator and recovery codes are removed."))
            return redirect("accounts:mfa")
    return render(request, "accounts/mfa_remove.html", {"form": form, "replace": replace})
