"""Reads of zakat data shared by the API, the pages and the admin."""

from django.db.models import QuerySet

from accounts.models import User
from zakat.models import HawlDate, MetalPrice, ZakatPayment, ZakatRecord


def metal_price_current() -> MetalPrice | None:
    """The snapshot in force: the newest `as_of` (then the newest entered)."""
    return MetalPrice.objects.newest_first().first()


def metal_price_list() -> QuerySet[MetalPrice]:
    return MetalPrice.objects.newest_first()


def zakat_record_list(*, user: User, filters: dict | None = None) -> QuerySet[ZakatRecord]:
    """Records the user may see (staff: all), newest first, with what the list shows
    joined in one query."""
    qs = ZakatRecord.objects.visible_to(user)
    return _record_query(qs, filters)


def zakat_record_list_own(*, user: User, filters: dict | None = None) -> QuerySet[ZakatRecord]:
    """Only the user's own records, even for staff."""
    return _record_query(ZakatRecord.objects.owned_by(user), filters)


def _record_query(qs: QuerySet[ZakatRecord], filters: dict | None) -> QuerySet[ZakatRecord]:
    if filters and filters.get("payment_status"):
        qs = qs.filter(payment_status=filters["payment_status"])
    return qs.select_related("payer", "price_snapshot", "payment").order_by("-created_at", "-id")


def zakat_payment_for_receipt(*, payment_id) -> ZakatPayment | None:
    return (
        ZakatPayment.objects.select_related("record", "payer", "ledger_transaction")
        .filter(pk=payment_id)
        .first()
    )


def hawl_for(*, user: User) -> HawlDate | None:
    return HawlDate.objects.filter(user=user).first()
