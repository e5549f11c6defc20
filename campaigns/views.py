"""Campaign pages: list, detail with live progress, donate, start a campaign,
my donations and printable receipts. Thin: form → service → message → redirect."""

from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from accounts import money
from accounts.selectors import wallet_balance
from accounts.services import InsufficientFunds
from campaigns import selectors, services
from campaigns.forms import (
    PAY_WITH_CARD,
    PRESET_AMOUNTS,
    CampaignForm,
    CampaignUpdateForm,
    CoverForm,
    DonateForm,
)
from campaigns.models import Campaign
from config.errors import DomainError
from config.formtokens import once_per_form_token
from config.paging import page_of
from giving import services as giving_services
from payouts.selectors import campaign_paid_out

PAGE_SIZE = 12
RECENT_DONATIONS = 10
RECENT_UPDATES = 10
DONATIONS_PAGE_SIZE = 20


def _apply_errors(form: Form, exc: ValidationError) -> None:
    for field, errors in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


def campaign_list(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()[: selectors.SEARCH_MAX_LENGTH]
    # Completed and cancelled campaigns take no gifts: shown only when asked for.
    show_closed = request.GET.get("closed") == "1"
    campaigns = selectors.campaign_list_active_first(
        user=request.user, search=query, include_closed=show_closed
    )
    page = page_of(campaigns, request.GET.get("page"), PAGE_SIZE)
    return render(
        request,
        "campaigns/list.html",
        {
            "page_obj": page,
            "query": query,
            "show_closed": show_closed,
            "cards_version": _cards_version(page.object_list),
        },
    )


def _cards_version(campaigns: list[Campaign]) -> str:
    """What the rendered cards depend on: every saved change of a campaign
    (a donation, a status move, an edit) moves its updated_at, "days left"
    moves with the date, and the organizer's name is shown. The list page
    caches its cards under this (docs/benchmarks.md): rendering twelve cards
    cost more than the rest of the page."""
    rows = "|".join(
        f"{c.pk}:{c.updated_at.isoformat()}:{c.organizer.name}:{c.cover_thumbnail.name}"
        for c in campaigns
    )
    return f"{timezone.localdate().isoformat()}|{rows}"


def _share_links(request: HttpRequest, campaign: Campaign) -> dict[str, str]:
    """Absolute addresses for the page's sharing tags and links (no third-party script)."""
    url = request.build_absolute_uri(campaign_url(campaign))
    image = request.build_absolute_uri(campaign.cover_url) if campaign.cover_url else ""
    text = _("Support “%(name)s” on OSE Platform: %(url)s") % {"name": campaign.name, "url": url}
    return {
        "url": url,
        "image": image,
        "whatsapp": "https://wa.me/?" + urlencode({"text": text}),
    }


def campaign_url(campaign: Campaign) -> str:
    from django.urls import reverse

    return reverse("campaigns:detail", kwargs={"pk": campaign.pk})


def _render_detail(
    request: HttpRequest,
    campaign: Campaign,
    *,
    cover_form: CoverForm | None = None,
    update_form: CampaignUpdateForm | None = None,
    status: int = 200,
) -> HttpResponse:
    donations = list(selectors.campaign_donation_list(campaign=campaign)[:RECENT_DONATIONS])
    updates = list(selectors.campaign_update_list(campaign=campaign)[:RECENT_UPDATES])
    may_present = request.user.is_authenticated and services.campaign_may_present(
        campaign, request.user
    )
    return render(
        request,
        "campaigns/detail.html",
        {
            "campaign": campaign,
            "donations": donations,
            "updates": updates,
            "is_open": campaign.is_open_on(timezone.localdate()),
            "currency": money.currency(),
            "paid_out": campaign_paid_out(campaign=campaign),
            "share": _share_links(request, campaign),
            "quick_amounts": PRESET_AMOUNTS,
            "may_present": may_present,
            "cover_form": (cover_form or CoverForm()) if may_present else None,
            "update_form": (update_form or CampaignUpdateForm()) if may_present else None,
        },
        status=status,
    )


def campaign_detail(request: HttpRequest, pk: UUID) -> HttpResponse:
    campaign = selectors.campaign_get_for(user=request.user, pk=pk)
    return _render_detail(request, campaign)


@login_required
@require_POST
def campaign_cover(request: HttpRequest, pk: UUID) -> HttpResponse:
    """The organizer's (or a campaign manager's) cover upload from the campaign page."""
    campaign = selectors.campaign_get_for(user=request.user, pk=pk)
    if not services.campaign_may_present(campaign, request.user):
        raise services.CampaignEditDenied()  # refused before the upload is looked at
    form = CoverForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.campaign_cover_set(
                campaign=campaign, by=request.user, image=form.cleaned_data["image"]
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("The cover image is saved."))
            return redirect("campaigns:detail", pk=campaign.pk)
    return _render_detail(request, campaign, cover_form=form, status=400)


@login_required
@require_POST
def campaign_update_new(request: HttpRequest, pk: UUID) -> HttpResponse:
    """Post an update from the campaign page; its donors are e-mailed."""
    campaign = selectors.campaign_get_for(user=request.user, pk=pk)
    if not services.campaign_may_present(campaign, request.user):
        raise services.CampaignEditDenied()
    form = CampaignUpdateForm(request.POST)
    if form.is_valid():
        try:
            services.campaign_update_create(campaign=campaign, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("Your update is posted and on its way to the donors."))
            return redirect("campaigns:detail", pk=campaign.pk)
    return _render_detail(request, campaign, update_form=form, status=400)


def _suggested_amount(text: str | None) -> str | None:
    """An amount picked on the campaign page (?amount=25), to fill the form with:
    one of the quick amounts only, so the address cannot put anything else there."""
    return text if text in PRESET_AMOUNTS else None


@login_required
@once_per_form_token
def campaign_donate(request: HttpRequest, pk: UUID) -> HttpResponse:
    campaign = selectors.campaign_get_for(user=request.user, pk=pk)
    is_open = campaign.is_open_on(timezone.localdate())
    form = DonateForm(
        request.POST or None,
        zakat_eligible=campaign.zakat_eligible,
        initial={"amount": _suggested_amount(request.GET.get("amount"))},
    )
    if request.method == "POST" and form.is_valid():
        fields = dict(form.cleaned_data)
        if fields.pop("pay_with") == PAY_WITH_CARD:
            return _donate_by_card(request, campaign, form, fields)
        try:
            services.donation_create(donor=request.user, campaign=campaign, **fields)
        except ValidationError as exc:
            _apply_errors(form, exc)
        except InsufficientFunds as exc:
            form.add_error(
                "amount",
                _(
                    "Your wallet holds %(available)s %(currency)s, less than %(required)s. "
                    "Pay by card, top up your wallet or give less."
                )
                % {
                    "available": exc.extra["available_amount"],
                    "currency": money.currency(),
                    "required": exc.extra["required_amount"],
                },
            )
            form.data = form.data.copy()
            form.data["pay_with"] = PAY_WITH_CARD
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            given_as = (
                _("zakat") if form.cleaned_data.get("designation") == "zakat" else _("donation")
            )
            messages.success(
                request,
                _(
                    "Thank you! Your %(given_as)s of %(cleaned_data__amount)s %(currency)s to %(name)s was received; a receipt is on its way."
                )
                % {
                    "given_as": given_as,
                    "cleaned_data__amount": f"{form.cleaned_data['amount']:.2f}",
                    "currency": money.currency(),
                    "name": campaign.name,
                },
            )
            return redirect("campaigns:detail", pk=campaign.pk)
    return render(
        request,
        "campaigns/donate.html",
        {
            "campaign": campaign,
            "form": form,
            "is_open": is_open,
            "balance": wallet_balance(user=request.user),
            "currency": money.currency(),
        },
    )


def _donate_by_card(request: HttpRequest, campaign, form: DonateForm, fields: dict) -> HttpResponse:
    """Checkout: the card pays the campaign directly. The sandbox settles at once; a
    provider sends the donor to its payment page and makes the donation on its webhook."""
    try:
        checkout = giving_services.checkout_start(donor=request.user, campaign=campaign, **fields)
    except ValidationError as exc:
        _apply_errors(form, exc)
    except DomainError as exc:
        form.add_error(None, exc.message)
    else:
        if checkout.status == "completed":
            messages.success(
                request,
                _(
                    "Thank you! Your card payment of %(amount)s %(currency)s to %(campaign)s "
                    "was received; a receipt is on its way."
                )
                % {
                    "amount": f"{checkout.amount:.2f}",
                    "currency": money.currency(),
                    "campaign": campaign.name,
                },
            )
            return redirect("campaigns:detail", pk=campaign.pk)
        if checkout.status == "pending" and checkout.top_up.redirect_url:
            return redirect(checkout.top_up.redirect_url)
        form.add_error(None, checkout.error or _("The card payment failed."))
    return render(
        request,
        "campaigns/donate.html",
        {
            "campaign": campaign,
            "form": form,
            "is_open": campaign.is_open_on(timezone.localdate()),
            "balance": wallet_balance(user=request.user),
            "currency": money.currency(),
        },
    )


@login_required
def campaign_new(request: HttpRequest) -> HttpResponse:
    form = CampaignForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            campaign = services.campaign_create(organizer=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(
                request,
                _(
                    "Your campaign is saved as a draft. Our staff will review it and activate it; until then only you can see it."
                ),
            )
            return redirect("campaigns:detail", pk=campaign.pk)
    return render(request, "campaigns/new.html", {"form": form})


@login_required
def my_donations(request: HttpRequest) -> HttpResponse:
    donations = selectors.donation_list(user=request.user, mine=True)
    page = page_of(donations, request.GET.get("page"), DONATIONS_PAGE_SIZE)
    return render(
        request, "campaigns/my_donations.html", {"page_obj": page, "currency": money.currency()}
    )


@login_required
def donation_receipt(request: HttpRequest, pk: UUID) -> HttpResponse:
    donation = selectors.donation_get_for(user=request.user, pk=pk)
    donation = services.donation_receipt_number(donation=donation)
    return render(
        request, "campaigns/receipt.html", {"donation": donation, "currency": money.currency()}
    )
