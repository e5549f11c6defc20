"""Reads of zakat data shared by the API, the pages, the admin and the tasks.

`<entity>_get_for(*, user, pk, lock=False)` loads one object for a user and
raises `NotFound` (missing) or `NotAllowed` (someone else's): the one place that
decides who may see a record or a payment, for the API and the pages alike."""

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts import money
from accounts.models import User
from config.errors import NotAllowed, NotFound

# Staff read everyone's rows; without the second factor, when it is required, only their own.
from staff.permissions import staff_reads
from zakat.dates import fitr_deadline, fitr_today, hijri_year_of
from zakat.models import FitrPayment, FitrRate, HawlDate, MetalPrice, ZakatPayment, ZakatRecord

RECORD_NOT_YOURS = _("This zakat record belongs to someone else.")
PAYMENT_NOT_YOURS = _("This zakat payment belongs to someone else.")


def metal_price_current() -> MetalPrice | None:
    """The snapshot in force: the newest `as_of` (then the newest entered) in the
    platform's currency. A snapshot in another currency is never used: its prices
    would set a nisab in the wrong unit."""
    return MetalPrice.objects.filter(currency=money.currency()).newest_first().first()


def metal_price_list() -> QuerySet[MetalPrice]:
    return MetalPrice.objects.newest_first()


def zakat_record_list(
    *, user: User, mine: bool = False, filters: dict | None = None
) -> QuerySet[ZakatRecord]:
    """Records the user may see (staff: all; with `mine`, only the user's own, even
    for staff), newest first, with what the lists show joined in one query."""
    qs = ZakatRecord.objects.owned_by(user) if mine else ZakatRecord.objects.visible_to(user)
    if filters and filters.get("payment_status"):
        qs = qs.filter(payment_status=filters["payment_status"])
    return qs.select_related("payer", "price_snapshot", "payment").order_by("-created_at", "-id")


def zakat_record_get_for(*, user: User, pk: UUID | str, lock: bool = False) -> ZakatRecord:
    """One record with its price snapshot: the owner and staff may see it. With `lock`,
    the record row is locked for the rest of the caller's transaction."""
    qs = ZakatRecord.objects.select_related("price_snapshot")
    if lock:
        # The snapshot is a nullable join: lock the record's row only.
        qs = qs.select_for_update(of=("self",))
    record = qs.filter(pk=pk).first()
    if record is None:
        raise NotFound()
    if record.payer_id != user.pk and not staff_reads(user):
        raise NotAllowed(RECORD_NOT_YOURS)
    return record


def _payment_query() -> QuerySet[ZakatPayment]:
    return ZakatPayment.objects.select_related("record", "payer", "ledger_transaction")


def zakat_payment_get_for(*, user: User, pk: UUID | str, lock: bool = False) -> ZakatPayment:
    """One payment with its record, payer and ledger transaction (what a receipt
    shows): the payer and staff may see it."""
    qs = _payment_query()
    if lock:
        qs = qs.select_for_update(of=("self",))
    payment = qs.filter(pk=pk).first()
    if payment is None:
        raise NotFound()
    if payment.payer_id != user.pk and not staff_reads(user):
        raise NotAllowed(PAYMENT_NOT_YOURS)
    return payment


def zakat_payment_find(*, pk: UUID | str) -> ZakatPayment | None:
    """A payment for a background task (no user to check): None when it is gone."""
    return _payment_query().filter(pk=pk).first()


def hawl_for(*, user: User) -> HawlDate | None:
    """The user's own hawl date, None until they set one."""
    return HawlDate.objects.filter(user=user).first()


# --- Zakat al-fitr ----------------------------------------------------------------------

FITR_PAYMENT_NOT_YOURS = _("This zakat al-fitr payment belongs to someone else.")


@dataclass(frozen=True)
class FitrSeason:
    """The zakat al-fitr year in force: its Hijri year, deadline and rate (if set)."""

    hijri_year: int
    deadline: datetime
    rate: FitrRate | None

    @property
    def is_open(self) -> bool:
        return timezone.now() < self.deadline


def fitr_current_year() -> int:
    """The Hijri (Umm al-Qura) year of today, in the fitr time zone."""
    return hijri_year_of(fitr_today())


def fitr_season() -> FitrSeason:
    """This Hijri year's season. After 1 Shawwal it stays this year's (deadline
    passed) until 1 Muharram opens the next: zakat al-fitr is not taken for a
    Ramadan most of a year away."""
    year = fitr_current_year()
    return FitrSeason(
        hijri_year=year,
        deadline=fitr_deadline(year),
        rate=FitrRate.objects.filter(hijri_year=year).first(),
    )


def fitr_rate_list() -> QuerySet[FitrRate]:
    return FitrRate.objects.select_related("set_by").order_by("-hijri_year")


def fitr_payment_list(*, user: User, mine: bool = False) -> QuerySet[FitrPayment]:
    """Fitr payments the user may see (staff: all; with `mine`, only the user's own),
    newest first."""
    qs = FitrPayment.objects.filter(payer=user) if mine else FitrPayment.objects.visible_to(user)
    return qs.select_related("payer").order_by("-paid_at", "-id")


def fitr_payment_get_for(*, user: User, pk: UUID | str, lock: bool = False) -> FitrPayment:
    """One fitr payment: the payer and staff may see it."""
    qs = FitrPayment.objects.select_related("payer", "ledger_transaction")
    if lock:
        qs = qs.select_for_update(of=("self",))
    payment = qs.filter(pk=pk).first()
    if payment is None:
        raise NotFound()
    if payment.payer_id != user.pk and not staff_reads(user):
        raise NotAllowed(FITR_PAYMENT_NOT_YOURS)
    return payment


def fitr_payment_find(*, pk: UUID | str) -> FitrPayment | None:
    """A fitr payment for a background task (no user to check): None when it is gone."""
    return FitrPayment.objects.select_related("payer").filter(pk=pk).first()


def hawl_find(*, pk: int) -> HawlDate | None:
    """A hawl date for a background task (no user to check), with its user."""
    return HawlDate.objects.select_related("user").filter(pk=pk).first()
