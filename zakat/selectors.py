"""Reads of zakat data shared by the API, the pages, the admin and the tasks.

`<entity>_get_for(*, user, pk, lock=False)` loads one object for a user and
raises `NotFound` (missing) or `NotAllowed` (someone else's): the one place that
decides who may see a record or a payment, for the API and the pages alike."""

from uuid import UUID

from django.db.models import QuerySet

from accounts.models import User
from config.errors import NotAllowed, NotFound

# Staff read everyone's rows; without the second factor, when it is required, only their own.
from staff.permissions import staff_reads
from zakat.models import HawlDate, MetalPrice, ZakatPayment, ZakatRecord

RECORD_NOT_YOURS = "This zakat record belongs to someone else."
PAYMENT_NOT_YOURS = "This zakat payment belongs to someone else."


def metal_price_current() -> MetalPrice | None:
    """The snapshot in force: the newest `as_of` (then the newest entered)."""
    return MetalPrice.objects.newest_first().first()


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
