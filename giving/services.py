"""Giving: every write about recurring gifts and checkouts.

Money moves only through campaigns' donation service (and, for a checkout, the
wallet top-up before it): a recurring run and a checkout make the very same
donation a donor makes by hand, with its receipt, live update and totals.
Locks are taken gift (or top-up, then checkout) first, then the campaign and the
ledger's accounts, as every donation does.
"""

import logging
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import money
from accounts import services as accounts_services
from accounts.models import TopUp, User
from campaigns import selectors as campaign_selectors
from campaigns import services as campaign_services
from campaigns.models import Campaign, Donation
from config.errors import DomainError, NotFound
from config.taskqueue import enqueue_with_transaction
from giving import schedule, selectors
from giving.models import (
    ERROR_MAX_LENGTH,
    FAILURES_BEFORE_PAUSE,
    Checkout,
    RecurringDonation,
    RecurringRun,
)
from giving.pdf import StatementRow

logger = logging.getLogger(__name__)


class RecurringCancelled(DomainError):
    code = "recurring_cancelled"
    default_message = "This recurring gift was cancelled; set up a new one instead."


class CheckoutFailed(DomainError):
    code = "checkout_failed"
    default_message = (
        "The payment went through but the donation could not be made; the money is in your wallet."
    )


def _amount(value: Any) -> Decimal:
    return money.parse_cents(
        value,
        field="amount",
        maximum=campaign_services.MAX_DONATION,
        message=_("Enter an amount from 0.01 to %(max)s in whole cents.")
        % {"max": campaign_services.MAX_DONATION},
    )


def _designation(value: str) -> str:
    if value not in Donation.Designation.values:
        raise ValidationError({"designation": [_('Choose "sadaqah" or "zakat".')]})
    return value


def _campaign_accepting(*, donor: User, campaign_id: Any, designation: str) -> Campaign:
    campaign = campaign_selectors.campaign_get_for(user=donor, pk=campaign_id)
    campaign_services.donation_check_accepts(campaign=campaign, designation=designation)
    return campaign


# --- Recurring gifts ----------------------------------------------------------------


def recurring_donation_create(
    *,
    donor: User,
    campaign: Campaign | UUID | str,
    amount: Any,
    frequency: str,
    designation: str = Donation.Designation.SADAQAH,
) -> RecurringDonation:
    """Set up a gift that the daily task gives on its rhythm. The campaign must take
    it today (404 unknown, 400 campaign_not_active or not_zakat_eligible)."""
    amount = _amount(amount)
    designation = _designation(designation)
    if frequency not in RecurringDonation.Frequency.values:
        raise ValidationError(
            {"frequency": [_("Choose daily, weekly, monthly or last_ten_nights.")]}
        )
    campaign_id = campaign.pk if isinstance(campaign, Campaign) else campaign
    with transaction.atomic():
        found = _campaign_accepting(donor=donor, campaign_id=campaign_id, designation=designation)
        return RecurringDonation.objects.create(
            donor=donor,
            campaign=found,
            amount=amount,
            frequency=frequency,
            designation=designation,
            next_run_on=schedule.first_run_on(frequency, timezone.localdate()),
        )


def recurring_donation_update(
    *,
    gift: RecurringDonation,
    by: User,
    amount: Any = None,
    paused: bool | None = None,
) -> RecurringDonation:
    """The donor changes the amount, pauses or resumes. Resuming starts afresh:
    the count of failures is cleared and the gift next runs today (or on the next
    of the last ten nights), never catching up the days it was paused."""
    if amount is not None:
        amount = _amount(amount)
    with transaction.atomic():
        gift = selectors.recurring_donation_get_for(user=by, pk=gift.pk, lock=True, write=True)
        if gift.status == RecurringDonation.Status.CANCELLED:
            raise RecurringCancelled()
        fields = ["updated_at"]
        if amount is not None:
            gift.amount = amount
            fields.append("amount")
        if paused is True and gift.status == RecurringDonation.Status.ACTIVE:
            gift.status = RecurringDonation.Status.PAUSED
            fields.append("status")
        elif paused is False and gift.status == RecurringDonation.Status.PAUSED:
            gift.status = RecurringDonation.Status.ACTIVE
            gift.failures_in_a_row = 0
            gift.last_error = ""
            today = timezone.localdate()
            if gift.next_run_on is None or gift.next_run_on < today:
                gift.next_run_on = schedule.first_run_on(gift.frequency, today)
            fields += ["status", "failures_in_a_row", "last_error", "next_run_on"]
        gift.updated_at = timezone.now()
        gift.save(update_fields=fields)
    return gift


def recurring_donation_cancel(*, gift: RecurringDonation, by: User) -> RecurringDonation:
    """Cancel for good (the runs stay on record). Cancelling twice is a no-op."""
    with transaction.atomic():
        gift = selectors.recurring_donation_get_for(user=by, pk=gift.pk, lock=True, write=True)
        if gift.status != RecurringDonation.Status.CANCELLED:
            gift.status = RecurringDonation.Status.CANCELLED
            gift.next_run_on = None
            gift.updated_at = timezone.now()
            gift.save(update_fields=["status", "next_run_on", "updated_at"])
    return gift


def _error_text(exc: Exception) -> str:
    if isinstance(exc, DomainError):
        return exc.message[:ERROR_MAX_LENGTH]
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)[:ERROR_MAX_LENGTH]
    return str(exc)[:ERROR_MAX_LENGTH]


def recurring_run_one(*, gift_id: UUID | str, today: date) -> RecurringRun | None:
    """Give one due gift for `today`, at most once: the gift row is locked, and a
    run of this gift on this day (the database's unique constraint, the last
    guard) means there is nothing to do. None when the gift was not due.

    A run that fails (a short wallet, a campaign that closed) is recorded with
    its reason and the donor is e-mailed; three failures in a row pause the gift,
    and a campaign that no longer takes gifts pauses it at once."""
    from giving import tasks

    with transaction.atomic():
        gift = (
            RecurringDonation.objects.select_for_update(of=("self",))
            .select_related("donor")
            .filter(pk=gift_id)
            .first()
        )
        if gift is None or gift.status != RecurringDonation.Status.ACTIVE:
            return None
        if gift.next_run_on is None or gift.next_run_on > today:
            return None
        if RecurringRun.objects.filter(gift=gift, run_on=today).exists():
            return None
        donation, error, campaign_closed = None, "", False
        try:
            with transaction.atomic():
                donation = campaign_services.donation_create(
                    donor=gift.donor,
                    campaign=gift.campaign_id,
                    amount=gift.amount,
                    designation=gift.designation,
                )
        except (campaign_services.CampaignNotActive, NotFound) as exc:
            error, campaign_closed = _error_text(exc), True
        except (DomainError, ValidationError) as exc:
            error = _error_text(exc)
        try:
            with transaction.atomic():
                run = RecurringRun.objects.create(
                    gift=gift,
                    run_on=today,
                    status=RecurringRun.Status.FAILED if error else RecurringRun.Status.SUCCEEDED,
                    donation=donation,
                    error=error,
                )
        except IntegrityError:  # another run of the task got here first
            transaction.set_rollback(True)
            return None
        anchor = timezone.localtime(gift.created_at).day
        gift.next_run_on = schedule.next_run_after(gift.frequency, today, anchor)
        if error:
            gift.failures_in_a_row += 1
            gift.last_error = error
            if campaign_closed or gift.failures_in_a_row >= FAILURES_BEFORE_PAUSE:
                gift.status = RecurringDonation.Status.PAUSED
            enqueue_with_transaction(tasks.send_run_failed, str(run.pk))
        else:
            gift.failures_in_a_row = 0
            gift.last_error = ""
        gift.updated_at = timezone.now()
        gift.save(
            update_fields=["next_run_on", "failures_in_a_row", "last_error", "status", "updated_at"]
        )
    return run


def recurring_run_due(*, today: date | None = None) -> dict[str, int]:
    """Run every gift due today (the daily task). Safe to run twice, or twice at once."""
    today = today or timezone.localdate()
    counts = {"succeeded": 0, "failed": 0}
    due = RecurringDonation.objects.due(today).order_by("next_run_on", "pk")
    for gift_id in due.values_list("pk", flat=True):
        run = recurring_run_one(gift_id=gift_id, today=today)
        if run is not None:
            counts[run.status] += 1
    return counts


# --- Checkout: a donation paid by card ----------------------------------------------


def checkout_start(
    *,
    donor: User,
    campaign: Campaign | UUID | str,
    amount: Any,
    designation: str = Donation.Designation.SADAQAH,
    message: str = "",
    is_anonymous: bool = False,
) -> Checkout:
    """Pay for a donation by card, whatever the wallet holds: a top-up of the
    amount carries the donation's intent, and once the payment succeeds the
    top-up's credit and the donation commit in one transaction (the sandbox: at
    once; a provider: when its webhook settles the top-up, however many times it
    is delivered). The campaign is checked before anyone is charged."""
    amount = _amount(amount)
    designation = _designation(designation)
    message = (message or "").strip()
    campaign_id = campaign.pk if isinstance(campaign, Campaign) else campaign
    found = _campaign_accepting(donor=donor, campaign_id=campaign_id, designation=designation)
    holder: dict[str, Checkout] = {}

    def attach(top_up: TopUp) -> None:
        holder["checkout"] = Checkout.objects.create(
            donor=donor,
            campaign=found,
            amount=amount,
            designation=designation,
            message=message,
            is_anonymous=bool(is_anonymous),
            top_up=top_up,
        )

    try:
        top_up = accounts_services.top_up_create(user=donor, amount=amount, attach=attach)
    except accounts_services.PaymentUnavailable:
        if "checkout" in holder:
            Checkout.objects.filter(pk=holder["checkout"].pk).update(
                status=Checkout.Status.FAILED, error=_("The card payment failed.")
            )
        raise
    checkout = Checkout.objects.select_related("top_up", "donation").get(pk=holder["checkout"].pk)
    if top_up.status == TopUp.Status.FAILED and checkout.status == Checkout.Status.PENDING:
        Checkout.objects.filter(pk=checkout.pk).update(
            status=Checkout.Status.FAILED, error=_("The card payment failed.")
        )
        checkout.refresh_from_db()
    return checkout


def _checkout_for(top_up: TopUp) -> Checkout | None:
    return Checkout.objects.select_for_update().filter(top_up_id=top_up.pk).first()


def _checkout_before_settle(top_up: TopUp) -> None:
    """Lock the checkout, then its campaign, before the ledger locks the wallet:
    the order every donation takes (campaign, then accounts)."""
    checkout = _checkout_for(top_up)
    if checkout is not None and checkout.status != Checkout.Status.COMPLETED:
        Campaign.objects.select_for_update().filter(pk=checkout.campaign_id).first()


def _checkout_after_settle(top_up: TopUp) -> None:
    """The payment is settled: make the donation (once), or record why not. A
    campaign that closed while the donor paid gets nothing; the money stays in
    the donor's wallet, where they see it and may give it elsewhere.

    A success after a decline (a second card on the provider's page paying the
    same payment, or the two events delivered out of order) still gives: the
    decline only marked the checkout failed, and a top-up succeeds at most once,
    so a failed checkout seen here with a paid top-up was failed by its card."""
    checkout = _checkout_for(top_up)
    if checkout is None or checkout.status == Checkout.Status.COMPLETED:
        return
    if top_up.status != TopUp.Status.SUCCEEDED:
        if checkout.status == Checkout.Status.PENDING:
            checkout.status = Checkout.Status.FAILED
            checkout.error = _("The card payment failed.")
            checkout.save(update_fields=["status", "error"])
        return
    try:
        with transaction.atomic():
            donation = campaign_services.donation_create(
                donor=top_up.user,
                campaign=checkout.campaign_id,
                amount=checkout.amount,
                message=checkout.message,
                is_anonymous=checkout.is_anonymous,
                designation=checkout.designation,
            )
    except (DomainError, ValidationError) as exc:
        logger.warning("Checkout %s paid but not given: %s", checkout.pk, exc)
        checkout.status = Checkout.Status.FAILED
        checkout.error = _error_text(exc)
        checkout.save(update_fields=["status", "error"])
        return
    checkout.donation = donation
    checkout.status = Checkout.Status.COMPLETED
    checkout.error = ""
    checkout.save(update_fields=["donation", "status", "error"])


CHECKOUT_LISTENER = accounts_services.TopUpListener(
    before_settle=_checkout_before_settle, after_settle=_checkout_after_settle
)


def register_top_up_listener() -> None:
    accounts_services.top_up_listener_register(CHECKOUT_LISTENER)


# --- Statements -----------------------------------------------------------------------


def statement_rows_numbered(*, user: User, year: int) -> list[StatementRow]:
    """A yearly statement's rows, each naming its receipt: a donation whose number
    is not issued yet (it is, a moment after the donation commits) gets it first."""
    rows = selectors.statement_rows(user=user, year=year)
    if all(row.number for row in rows):
        return rows
    with transaction.atomic():  # read back where the numbers were written
        campaign_services.donation_receipts_issue()
        return selectors.statement_rows(user=user, year=year)
