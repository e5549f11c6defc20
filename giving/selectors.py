"""Reads of recurring gifts, their runs and checkouts, scoped to the caller."""

from uuid import UUID

from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _

from accounts.models import User
from campaigns.models import Donation
from config.errors import NotAllowed, NotFound
from giving.models import Checkout, RecurringDonation, RecurringRun
from giving.pdf import StatementRow
from giving.receipts import year_bounds
from staff.permissions import staff_reads
from zakat.models import FitrPayment, ZakatPayment


def recurring_donation_list(*, user: User, with_runs: int = 0) -> QuerySet[RecurringDonation]:
    """The caller's own recurring gifts, newest first (cancelled ones included);
    `with_runs` prefetches each gift's latest runs as `recent_runs` (one query)."""
    qs = (
        RecurringDonation.objects.filter(donor=user)
        .select_related("campaign")
        .order_by("-created_at", "-id")
    )
    if with_runs:
        latest = RecurringRun.objects.order_by("-run_on", "-created_at")[:with_runs]
        qs = qs.prefetch_related(Prefetch("runs", queryset=latest, to_attr="recent_runs"))
    return qs


def recurring_donation_get_for(
    *, user: User, pk: UUID | str, lock: bool = False, write: bool = False
) -> RecurringDonation:
    """One recurring gift: its donor, and staff reading (never changing) it."""
    qs = RecurringDonation.objects.select_related("campaign", "donor")
    if lock:
        qs = qs.select_for_update(of=("self",))
    gift = qs.filter(pk=pk).first()
    if gift is None:
        raise NotFound()
    if gift.donor_id != user.pk and (write or not staff_reads(user)):
        raise NotAllowed("This recurring gift is not yours.")
    return gift


def recurring_run_list(*, gift: RecurringDonation) -> QuerySet[RecurringRun]:
    """A gift's runs, newest first."""
    return RecurringRun.objects.filter(gift=gift).order_by("-run_on", "-created_at")


def checkout_get_for(*, user: User, pk: UUID | str) -> Checkout:
    """One checkout, for its donor and staff."""
    checkout = Checkout.objects.select_related("top_up", "donation").filter(pk=pk).first()
    if checkout is None:
        raise NotFound()
    if checkout.donor_id != user.pk and not staff_reads(user):
        raise NotAllowed("This checkout is not yours.")
    return checkout


# --- Statements ---------------------------------------------------------------------


def statement_years(*, user: User) -> list[int]:
    """The years in which the user gave anything (donations, zakat, fitr), newest first."""

    years: set[int] = set()
    for qs, field in (
        (Donation.objects.filter(donor=user, status=Donation.Status.COMPLETED), "created_at"),
        (ZakatPayment.objects.filter(payer=user), "paid_at"),
        (FitrPayment.objects.filter(payer=user), "paid_at"),
    ):
        years.update(d.year for d in qs.dates(field, "year"))
    return sorted(years, reverse=True)


def statement_rows(*, user: User, year: int) -> list[StatementRow]:
    """Every completed donation, zakat and fitr payment of the user in `year`, oldest first."""

    start, end = year_bounds(year)
    rows = [
        StatementRow(
            on=d.created_at,
            kind=_("Zakat") if d.designation == Donation.Designation.ZAKAT else _("Sadaqah"),
            description=d.campaign.name,
            number=d.receipt_label,
            amount=d.amount,
        )
        for d in Donation.objects.filter(
            donor=user,
            status=Donation.Status.COMPLETED,
            created_at__gte=start,
            created_at__lt=end,
        ).select_related("campaign")
    ]
    rows += [
        StatementRow(
            on=p.paid_at,
            kind=_("Zakat"),
            description=_("Zakat payment"),
            number=p.receipt_label,
            amount=p.amount,
        )
        for p in ZakatPayment.objects.filter(payer=user, paid_at__gte=start, paid_at__lt=end)
    ]
    rows += [
        StatementRow(
            on=p.paid_at,
            kind=_("Zakat al-fitr"),
            description=_("Zakat al-fitr, %(people)s people") % {"people": p.people},
            number=p.receipt_label,
            amount=p.amount,
        )
        for p in FitrPayment.objects.filter(payer=user, paid_at__gte=start, paid_at__lt=end)
    ]
    return sorted(rows, key=lambda row: row.on)
