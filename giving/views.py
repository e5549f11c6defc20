"""Pages: my recurring gifts, my yearly statements. Form → service → message → redirect."""

from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import money
from campaigns import selectors as campaign_selectors
from config.errors import DomainError
from giving import selectors, services
from giving.forms import RecurringAmountForm, RecurringDonationForm

RUNS_SHOWN = 5


def _apply_errors(form, exc: ValidationError) -> None:
    for field, errors in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


@login_required
def recurring(request: HttpRequest) -> HttpResponse:
    """My recurring gifts, their last runs, and a form to set one up."""
    campaigns = campaign_selectors.campaign_list(user=request.user, status="active")
    form = RecurringDonationForm(request.POST or None, campaigns=campaigns)
    if request.method == "POST" and form.is_valid():
        try:
            services.recurring_donation_create(
                donor=request.user,
                campaign=form.cleaned_data["campaign"],
                amount=form.cleaned_data["amount"],
                frequency=form.cleaned_data["frequency"],
                designation=form.cleaned_data["designation"],
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Your recurring gift is set up."))
            return redirect("giving:recurring")
    gifts = selectors.recurring_donation_list(user=request.user, with_runs=RUNS_SHOWN)
    return render(
        request,
        "giving/recurring.html",
        {"form": form, "gifts": gifts, "currency": money.currency()},
    )


@login_required
@require_POST
def recurring_change(request: HttpRequest, pk: UUID) -> HttpResponse:
    """Pause, resume, change the amount or cancel one gift (the button pressed says which)."""
    gift = selectors.recurring_donation_get_for(user=request.user, pk=pk, write=True)
    action = request.POST.get("action", "")
    try:
        if action == "pause":
            services.recurring_donation_update(gift=gift, by=request.user, paused=True)
            messages.success(request, _("The gift is paused."))
        elif action == "resume":
            services.recurring_donation_update(gift=gift, by=request.user, paused=False)
            messages.success(request, _("The gift is running again."))
        elif action == "cancel":
            services.recurring_donation_cancel(gift=gift, by=request.user)
            messages.success(request, _("The gift is cancelled."))
        elif action == "amount":
            form = RecurringAmountForm(request.POST)
            if not form.is_valid():
                messages.error(request, _("Enter an amount from 0.01 in whole cents."))
            else:
                services.recurring_donation_update(
                    gift=gift, by=request.user, amount=form.cleaned_data["amount"]
                )
                messages.success(request, _("The amount is changed."))
        else:
            messages.error(request, _("Choose what to change."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("giving:recurring")


@login_required
def statements(request: HttpRequest) -> HttpResponse:
    """The years I gave in, each with its PDF statement."""
    years = selectors.statement_years(user=request.user)
    return render(request, "giving/statements.html", {"years": years})
