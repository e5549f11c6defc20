"""Zakat: every write and every rule about prices, records, payments and hawl.

The figures come from zakat.calculation (pure); this module stores them, moves
the money through the ledger and keeps the invariants under concurrency."""

import logging
from dataclasses import asdict
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts import money
from accounts.models import LedgerTransaction, User
from accounts.services import (
    Leg,
    fitr_fund_account,
    ledger_post,
    wallet_get_or_create,
    zakat_fund_account,
)
from config.errors import DomainError, NotAllowed
from config.taskqueue import enqueue_with_transaction
from staff.permissions import user_can
from staff.services.audit import audit_record
from zakat import calculation, feed, selectors
from zakat.models import (
    FITR_PEOPLE_MAX,
    HIJRI_YEAR_MAX,
    HIJRI_YEAR_MIN,
    FitrPayment,
    FitrRate,
    HawlDate,
    MetalPrice,
    ReceiptCounter,
    ZakatPayment,
    ZakatRecord,
)

logger = logging.getLogger(__name__)

MAX_PRICE_PER_GRAM = Decimal("100000.00")
# The payer reference (`payer_id` in the API) is 5 to 50 characters.
PAYER_REFERENCE_MIN_LENGTH = 5
PAYER_REFERENCE_MAX_LENGTH = 50


class PricesUnavailable(DomainError):
    code = "prices_unavailable"
    status = 503
    default_message = _("No gold and silver prices are known yet, so the nisab cannot be set.")


class RecordNotPending(DomainError):
    code = "record_not_pending"
    default_message = _("Only a pending zakat record can be changed, deleted or paid.")


class NothingToPay(DomainError):
    code = "nothing_to_pay"
    default_message = _(
        "This record's wealth is below the nisab, so no zakat is due and there is nothing to pay."
    )


class NotYourRecord(NotAllowed):
    default_message = selectors.RECORD_NOT_YOURS


def _cents(amounts: dict[str, object], **rule: object) -> dict[str, Decimal]:
    """`parse_cents` over several fields, reporting every bad one at once."""
    values: dict[str, Decimal] = {}
    errors: dict[str, list[str]] = {}
    for name, value in amounts.items():
        try:
            values[name] = money.parse_cents(value, field=name, **rule)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    return values


# --- Metal prices -----------------------------------------------------------------------


def metal_price_create(
    *,
    gold_price_per_gram: Decimal,
    silver_price_per_gram: Decimal,
    source: str = MetalPrice.Source.MANUAL,
    as_of: datetime | None = None,
    created_by: User | None = None,
) -> MetalPrice:
    """Add a snapshot; being the newest, it is in force at once. Prices are per gram in
    the platform currency, positive whole cents. A person entering prices must be
    staff, and their entry leaves one audit event, "metal_price.entered", with the
    prices; the feed and the seed enter them with no `created_by`."""
    if created_by is not None and not user_can(created_by, "staff.metal_price_enter"):
        raise NotAllowed(_("Only staff holding staff.metal_price_enter may enter metal prices."))
    values = _cents(
        {
            "gold_price_per_gram": gold_price_per_gram,
            "silver_price_per_gram": silver_price_per_gram,
        },
        maximum=MAX_PRICE_PER_GRAM,
        message=f"Enter a price per gram above 0 and at most {MAX_PRICE_PER_GRAM}, in whole cents.",
    )
    with transaction.atomic():
        snapshot = MetalPrice.objects.create(
            currency=money.currency(),
            source=source,
            as_of=as_of or timezone.now(),
            created_by=created_by,
            **values,
        )
        if created_by is not None:
            audit_record(
                actor=created_by,
                action="metal_price.entered",
                subject=snapshot,
                changes={**values, "currency": snapshot.currency, "source": source},
            )
    return snapshot


def metal_prices_refresh(*, url: str | None = None) -> MetalPrice | None:
    """Fetch METAL_PRICES_URL and store a `feed` snapshot.

    Returns None (and logs why) when no feed is configured, the feed fails or is
    malformed, or it repeats a snapshot already stored: the prices in force stay."""
    url = url if url is not None else settings.METAL_PRICES_URL
    if not url:
        logger.info("METAL_PRICES_URL is not set; metal prices are entered by staff.")
        return None
    try:
        prices = feed.fetch(url, currency=money.currency())
    except feed.FeedError as exc:
        logger.warning("Metal price feed refused, keeping the current prices: %s", exc)
        return None
    if MetalPrice.objects.filter(source=MetalPrice.Source.FEED, as_of=prices.as_of).exists():
        logger.info("Metal price feed unchanged since %s.", prices.as_of.isoformat())
        return None
    snapshot = metal_price_create(
        gold_price_per_gram=prices.gold_price_per_gram,
        silver_price_per_gram=prices.silver_price_per_gram,
        source=MetalPrice.Source.FEED,
        as_of=prices.as_of,
    )
    logger.info("Metal prices refreshed from the feed: %s", snapshot)
    return snapshot


def prices_in_force() -> MetalPrice:
    """The newest snapshot in the platform's currency (a snapshot in another currency
    is never used); 503 prices_unavailable when there is none."""
    snapshot = selectors.metal_price_current()
    if snapshot is None:
        raise PricesUnavailable()
    return snapshot


def prices_stale(snapshot: MetalPrice, *, now: datetime | None = None) -> bool:
    """True when the snapshot is older than METAL_PRICES_MAX_AGE_DAYS: the answer still
    uses it (there is nothing newer) but says so."""
    max_age = timedelta(days=settings.METAL_PRICES_MAX_AGE_DAYS)
    return snapshot.as_of < (now or timezone.now()) - max_age


def default_nisab_standard() -> str:
    """ZAKAT_DEFAULT_NISAB (silver unless set): the standard used when a calculation
    names none. Silver gives the lower threshold, which favours the recipients when
    wealth is mixed."""
    return settings.ZAKAT_DEFAULT_NISAB


TOO_LARGE_MESSAGE = f"Too large: every line and the total must be at most {calculation.MAX_AMOUNT}."
# Where each input field of the itemized calculation sits in the API's request body.
_ITEMIZED_FIELD_PATHS = {
    **{name: f"assets.{name}" for name in calculation.Assets.__dataclass_fields__},
    "short_term_debts": "liabilities.short_term_debts",
    "zakatable_wealth": "assets",
}


def too_large_error(exc: calculation.AmountTooLarge) -> ValidationError:
    """The calculation's overflow as a field error naming each input to correct
    (`assets.cash`, ..., or `assets` when only the total is too large)."""
    return ValidationError(
        {_ITEMIZED_FIELD_PATHS.get(name, name): [TOO_LARGE_MESSAGE] for name in exc.fields}
    )


def calculate_itemized(
    *,
    assets: calculation.Assets,
    liabilities: calculation.Liabilities,
    nisab_standard: str | None = None,
) -> tuple[calculation.ItemizedResult, MetalPrice]:
    """The v2 calculation at the prices in force (503 prices_unavailable without any).
    No standard named: ZAKAT_DEFAULT_NISAB. A line or total too large to store is a
    field error (400), never an overflow."""
    snapshot = prices_in_force()
    try:
        result = calculation.calculate_itemized(
            assets=assets,
            liabilities=liabilities,
            nisab_standard=nisab_standard or default_nisab_standard(),
            gold_price_per_gram=snapshot.gold_price_per_gram,
            silver_price_per_gram=snapshot.silver_price_per_gram,
        )
    except calculation.AmountTooLarge as exc:
        raise too_large_error(exc) from None
    return result, snapshot


def breakdown_json(result: calculation.ItemizedResult) -> list[dict]:
    """The breakdown as stored on a record and returned by the API: amounts rounded
    to cents for display only (the total was computed from the exact lines)."""
    lines = []
    for line in result.breakdown:
        row = asdict(line)
        row["amount"] = str(money.quantize(line.amount))
        row["quantity"] = None if line.quantity is None else str(line.quantity)
        row["unit_price"] = None if line.unit_price is None else str(line.unit_price)
        lines.append(row)
    return lines


# --- Records ----------------------------------------------------------------------------


def _fits_payer_reference(text: str) -> bool:
    return PAYER_REFERENCE_MIN_LENGTH <= len(text) <= PAYER_REFERENCE_MAX_LENGTH


def _validate_payer_reference(payer_id: str) -> str:
    payer_id = (payer_id or "").strip()
    if not _fits_payer_reference(payer_id):
        raise ValidationError(
            {
                "payer_id": [
                    f"Enter a payer id of {PAYER_REFERENCE_MIN_LENGTH} to "
                    f"{PAYER_REFERENCE_MAX_LENGTH} characters."
                ]
            }
        )
    return payer_id


def _validate_figures(*, wealth_amount: Decimal, nisab_threshold: Decimal) -> dict[str, Decimal]:
    values = _cents(
        {"wealth_amount": wealth_amount, "nisab_threshold": nisab_threshold},
        message="Enter an amount above 0 in whole cents.",
    )
    # The cap keeps the shell and the admin from overflowing the money columns too.
    too_large = {
        name: [f"Enter an amount of at most {calculation.MAX_AMOUNT}."]
        for name, value in values.items()
        if value > calculation.MAX_AMOUNT
    }
    if too_large:
        raise ValidationError(too_large)
    return values


def default_payer_reference(user: User) -> str:
    """What the pages use as payer_id: the email when it fits, else the user id."""
    return user.email if _fits_payer_reference(user.email) else str(user.pk)


def zakat_record_create(
    *, payer: User, payer_id: str, wealth_amount: Decimal, nisab_threshold: Decimal
) -> ZakatRecord:
    """Save a v1-style calculation (stated nisab). The server computes the zakat; the
    prices in force, if any, are kept with it for the record's history."""
    payer_id = _validate_payer_reference(payer_id)
    _validate_figures(wealth_amount=wealth_amount, nisab_threshold=nisab_threshold)
    result = calculation.calculate_simple(
        wealth_amount=wealth_amount, nisab_threshold=nisab_threshold
    )
    now = timezone.now()
    return ZakatRecord.objects.create(
        payer=payer,
        payer_reference=payer_id,
        wealth_amount=money.quantize(result.wealth_amount),
        nisab_threshold=money.quantize(result.nisab_threshold),
        zakat_amount=result.zakat_amount,
        is_obligated=result.is_obligated,
        nisab_standard=ZakatRecord.NisabStandard.STATED,
        price_snapshot=selectors.metal_price_current(),
        calculation_date=now,
        created_at=now,
        updated_at=now,
    )


def zakat_record_create_itemized(
    *,
    payer: User,
    assets: calculation.Assets,
    liabilities: calculation.Liabilities,
    nisab_standard: str | None = None,
) -> ZakatRecord:
    """Save the calculator's result. The figures are recomputed here at the prices in
    force (never taken from the form) and the snapshot and breakdown are stored."""
    result, snapshot = calculate_itemized(
        assets=assets, liabilities=liabilities, nisab_standard=nisab_standard
    )
    wealth = money.quantize(result.zakatable_wealth)
    if wealth <= 0:
        raise ValidationError(
            {"__all__": ["Your zakatable wealth is zero, so there is nothing to save."]}
        )
    now = timezone.now()
    return ZakatRecord.objects.create(
        payer=payer,
        payer_reference=default_payer_reference(payer),
        wealth_amount=wealth,
        nisab_threshold=money.quantize(result.nisab_threshold),
        zakat_amount=result.zakat_amount,
        is_obligated=result.is_obligated,
        nisab_standard=result.nisab_standard,
        breakdown=breakdown_json(result),
        price_snapshot=snapshot,
        calculation_date=now,
        created_at=now,
        updated_at=now,
    )


# What the trail keeps of a record when staff change or delete someone else's.
AUDITED_RECORD_FIELDS = (
    "payer_reference",
    "wealth_amount",
    "nisab_threshold",
    "zakat_amount",
    "is_obligated",
    "nisab_standard",
    "price_snapshot_id",
    "breakdown",
)


def _record_values(record: ZakatRecord) -> dict[str, object]:
    return {field: getattr(record, field) for field in AUDITED_RECORD_FIELDS}


def _lock_pending(record: ZakatRecord, *, by: User) -> ZakatRecord:
    """Lock the record for a change by `by`: its owner or staff, only while pending."""
    record = selectors.zakat_record_get_for(user=by, pk=record.pk, lock=True)
    if record.payer_id != by.pk and not user_can(by, "staff.zakat_record_edit"):
        raise NotYourRecord(
            _("Only staff holding staff.zakat_record_edit may change another's record.")
        )
    if not record.is_pending:
        raise RecordNotPending()
    return record


def zakat_record_update(
    *,
    record: ZakatRecord,
    by: User,
    payer_id: str | None = None,
    wealth_amount: Decimal | None = None,
    nisab_threshold: Decimal | None = None,
) -> ZakatRecord:
    """Change a pending record (PUT sends all three, PATCH some); the owner or staff
    may. The zakat is recomputed from the new figures, which makes the nisab a stated
    one and the prices in force the snapshot on file; any itemized breakdown no
    longer applies. Staff changing someone else's record leave one audit event,
    "zakat_record.updated", with the changed fields {field: [before, after]}."""
    with transaction.atomic():
        record = _lock_pending(record, by=by)
        before = _record_values(record)
        payer_ref = record.payer_reference if payer_id is None else payer_id
        wealth = record.wealth_amount if wealth_amount is None else wealth_amount
        nisab = record.nisab_threshold if nisab_threshold is None else nisab_threshold
        payer_ref = _validate_payer_reference(payer_ref)
        _validate_figures(wealth_amount=wealth, nisab_threshold=nisab)
        result = calculation.calculate_simple(wealth_amount=wealth, nisab_threshold=nisab)
        changed_figures = (
            money.quantize(wealth) != record.wealth_amount
            or money.quantize(nisab) != record.nisab_threshold
        )
        now = timezone.now()
        record.payer_reference = payer_ref
        record.wealth_amount = money.quantize(wealth)
        record.nisab_threshold = money.quantize(nisab)
        record.zakat_amount = result.zakat_amount
        record.is_obligated = result.is_obligated
        if changed_figures:
            record.nisab_standard = ZakatRecord.NisabStandard.STATED
            record.breakdown = []
            record.price_snapshot = selectors.metal_price_current()
            record.calculation_date = now
        record.updated_at = now
        record.save()
        after = _record_values(record)
        changes = {f: [before[f], after[f]] for f in AUDITED_RECORD_FIELDS if before[f] != after[f]}
        if record.payer_id != by.pk and changes:
            audit_record(actor=by, action="zakat_record.updated", subject=record, changes=changes)
    return record


def zakat_record_delete(*, record: ZakatRecord, by: User) -> None:
    """Delete a pending record (the owner or staff); a paid one is part of the books
    and stays. Staff deleting someone else's record leave one audit event,
    "zakat_record.deleted", with what it held {field: [before, None]}."""
    with transaction.atomic():
        record = _lock_pending(record, by=by)
        if record.payer_id != by.pk:
            audit_record(
                actor=by,
                action="zakat_record.deleted",
                subject=record,
                changes={
                    field: [value, None]
                    for field, value in {
                        "payer_id": record.payer_id,
                        **_record_values(record),
                    }.items()
                },
            )
        record.delete()


# --- Payments ---------------------------------------------------------------------------

RECEIPT_COUNTER = "zakat_receipt"


def _next_receipt_number() -> int:
    """Bump the counter row under a lock inside the caller's transaction: unique and
    gap-free, because a payment that rolls back rolls its number back too."""
    ReceiptCounter.objects.get_or_create(name=RECEIPT_COUNTER)
    counter = ReceiptCounter.objects.select_for_update().get(name=RECEIPT_COUNTER)
    counter.value += 1
    counter.save(update_fields=["value"])
    return counter.value


def zakat_payment_check_payer(*, record: ZakatRecord, payer: User) -> None:
    """Only the record's owner pays it, staff included: the money comes from the
    payer's own wallet."""
    if record.payer_id != payer.pk:
        raise NotYourRecord()


def zakat_payment_create(*, record: ZakatRecord, payer: User) -> ZakatPayment:
    """Pay a record's zakat from the payer's wallet into the zakat fund.

    Only the record's owner may pay it, only while it is pending, and only when zakat
    is due (a record below the nisab has nothing to pay). The record row is locked
    first, so concurrent payments of one record queue and all but the first find
    it completed: a record is paid at most once. The ledger posting, the receipt
    number, the payment and the status change commit together; the receipt e-mail
    is queued only after the commit."""
    from zakat.tasks import send_zakat_receipt

    ReceiptCounter.objects.get_or_create(name=RECEIPT_COUNTER)  # outside the lock order
    with transaction.atomic():
        record = selectors.zakat_record_get_for(user=payer, pk=record.pk, lock=True)
        zakat_payment_check_payer(record=record, payer=payer)
        if not record.is_pending:
            raise RecordNotPending()
        if record.zakat_amount <= 0:
            raise NothingToPay()
        wallet = wallet_get_or_create(user=payer)
        txn = ledger_post(
            kind=LedgerTransaction.Kind.ZAKAT_PAYMENT,
            legs=[
                Leg(wallet, -record.zakat_amount),
                Leg(zakat_fund_account(), record.zakat_amount),
            ],
            reference=f"Zakat payment ({record.payer_reference})",
            created_by=payer,
        )
        payment = ZakatPayment.objects.create(
            record=record,
            payer=payer,
            amount=record.zakat_amount,
            receipt_number=_next_receipt_number(),
            ledger_transaction=txn,
            paid_at=txn.created_at,
        )
        record.payment_status = ZakatRecord.PaymentStatus.COMPLETED
        record.updated_at = timezone.now()
        record.save(update_fields=["payment_status", "updated_at"])
        payment_id = str(payment.pk)
        enqueue_with_transaction(send_zakat_receipt, payment_id)
    return payment


def zakat_receipt_mark_sent(*, payment: ZakatPayment) -> bool:
    """Claim the receipt e-mail of a payment; False when it was sent already, so a task
    retried by the queue never mails twice."""
    with transaction.atomic():
        claimed = ZakatPayment.objects.filter(pk=payment.pk, receipt_sent_at__isnull=True).update(
            receipt_sent_at=timezone.now()
        )
    return claimed == 1


# --- Hawl -------------------------------------------------------------------------------


def hawl_set(*, user: User, start_date: date) -> HawlDate:
    """Record when the user's wealth first reached the nisab (not in the future, and
    within the Umm al-Qura calendar so the Hijri due date can be given). Zakat falls
    due the same Hijri day a Hijri year later (calculation.hawl_next_due)."""
    if start_date > timezone.localdate():
        raise ValidationError({"start_date": ["The date cannot be in the future."]})
    try:
        calculation.hawl_next_due(start_date)
    except ValueError:
        raise ValidationError(
            {"start_date": ["Enter a date the Umm al-Qura calendar covers (1924 to 2076)."]}
        ) from None
    with transaction.atomic():
        hawl, _ = HawlDate.objects.select_for_update().update_or_create(
            user=user, defaults={"started_on": start_date, "updated_at": timezone.now()}
        )
    return hawl


def hawl_clear(*, user: User) -> None:
    with transaction.atomic():
        HawlDate.objects.filter(user=user).delete()


# A reminder goes out this many days before the due date (or on a later run, if the
# daily task missed that day, until the day before the due date).
HAWL_REMINDER_DAYS = 7
# One Hijri year after a start is 353 to 356 days later (measured over the whole Umm
# al-Qura table: 354 or 355, one less when the 30th is clamped to a 29-day month, 356
# only in a few years before 1950): the starts whose due date can fall in the
# reminder window lie within these bounds.
_HAWL_MIN_DAYS, _HAWL_MAX_DAYS = 352, 356


def hawl_reminders_send(*, today: date | None = None) -> int:
    """Queue one reminder e-mail for every hawl due in the next HAWL_REMINDER_DAYS
    days (today excluded) that has not had one for that due date. The claim is a
    conditional update of `reminder_sent_for`, so reruns and concurrent runs send
    nothing twice; a changed start date gives a new due date and a new reminder.
    Returns how many were queued."""
    from zakat.tasks import send_hawl_reminder

    today = today or timezone.localdate()
    last = today + timedelta(days=HAWL_REMINDER_DAYS)
    candidates = HawlDate.objects.filter(
        started_on__gte=today - timedelta(days=_HAWL_MAX_DAYS),
        started_on__lte=last - timedelta(days=_HAWL_MIN_DAYS),
    ).values_list("pk", "started_on")
    sent = 0
    with transaction.atomic():
        for pk, started_on in candidates:
            due = calculation.hawl_next_due(started_on)
            if not today < due <= last:
                continue
            claimed = (
                HawlDate.objects.filter(pk=pk, started_on=started_on)
                .exclude(reminder_sent_for=due)
                .update(reminder_sent_for=due)
            )
            if claimed:
                sent += 1
                enqueue_with_transaction(send_hawl_reminder, hawl_id=pk, due=due.isoformat())
    return sent


# --- Zakat al-fitr ----------------------------------------------------------------------

FITR_RECEIPT_COUNTER = "fitr_receipt"
MAX_FITR_RATE = Decimal("10000.00")


class FitrRateUnset(DomainError):
    code = "fitr_rate_unset"
    default_message = _(
        "The zakat al-fitr amount per person for this year has not been set yet; "
        "please try again later."
    )


class FitrDeadlinePassed(DomainError):
    code = "fitr_deadline_passed"
    default_message = _(
        "Zakat al-fitr for this year was due before the Eid prayer and can no longer be "
        "paid; the next season opens with the new Hijri year."
    )


class FitrRateExists(DomainError):
    code = "fitr_rate_exists"
    default_message = _(
        "The zakat al-fitr amount for this Hijri year is already set; change it in the "
        "admin if it must be corrected."
    )


def _validate_hijri_year(hijri_year: object) -> int:
    try:
        year = int(hijri_year)
    except (TypeError, ValueError):
        year = 0
    current = selectors.fitr_current_year()
    if not (max(HIJRI_YEAR_MIN, current) <= year <= HIJRI_YEAR_MAX) or isinstance(hijri_year, bool):
        raise ValidationError(
            {"hijri_year": [f"Enter a Hijri year from {current} (this year) to {HIJRI_YEAR_MAX}."]}
        )
    return year


def fitr_rate_set(
    *, hijri_year: int, amount_per_person: Decimal, by: User, replace: bool = False
) -> FitrRate:
    """Set the zakat al-fitr amount per person for a Hijri year (this year or a later
    one). Staff holding staff.set_fitr_rate only. One rate per year: a second one is
    400 fitr_rate_exists unless `replace` (the admin's correction). Payments already
    made keep the amount they were made at. Leaves one audit event,
    "fitr_rate.set" or "fitr_rate.updated" with {field: [before, after]}."""
    if not user_can(by, "staff.set_fitr_rate"):
        raise NotAllowed(
            _("Only staff holding staff.set_fitr_rate may set the zakat al-fitr rate.")
        )
    year = _validate_hijri_year(hijri_year)
    amount = money.parse_cents(
        amount_per_person,
        field="amount_per_person",
        maximum=MAX_FITR_RATE,
        message=f"Enter an amount per person above 0 and at most {MAX_FITR_RATE}, in whole cents.",
    )
    with transaction.atomic():
        rate = FitrRate.objects.select_for_update().filter(hijri_year=year).first()
        now = timezone.now()
        if rate is None:
            try:
                with transaction.atomic():
                    rate = FitrRate.objects.create(
                        hijri_year=year,
                        amount_per_person=amount,
                        currency=money.currency(),
                        set_by=by,
                        created_at=now,
                        updated_at=now,
                    )
            except IntegrityError:  # set by a concurrent request a moment ago
                raise FitrRateExists() from None
            audit_record(
                actor=by,
                action="fitr_rate.set",
                subject=rate,
                changes={"hijri_year": [None, year], "amount_per_person": [None, amount]},
            )
            return rate
        if not replace:
            raise FitrRateExists()
        before = rate.amount_per_person
        if before != amount:
            rate.amount_per_person = amount
            rate.set_by = by
            rate.updated_at = now
            rate.save(update_fields=["amount_per_person", "set_by", "updated_at"])
            audit_record(
                actor=by,
                action="fitr_rate.updated",
                subject=rate,
                changes={"amount_per_person": [before, amount]},
            )
    return rate


def _next_fitr_receipt_number() -> int:
    counter = ReceiptCounter.objects.select_for_update().get(name=FITR_RECEIPT_COUNTER)
    counter.value += 1
    counter.save(update_fields=["value"])
    return counter.value


def fitr_payment_create(*, payer: User, people: int) -> FitrPayment:
    """Pay zakat al-fitr for `people` (1 to 50) members of the payer's household,
    from the payer's wallet into the fitr fund, at the rate of the current fitr year.

    The current fitr year is the Hijri year of today; its deadline is the start of
    1 Shawwal. Past it the payment is refused (fitr_deadline_passed) until the new
    Hijri year opens the next season; without a rate for the year, fitr_rate_unset;
    a short wallet, 402. The posting (which locks the wallet), the receipt number
    (own gap-free sequence, ZF-000001...) and the payment commit together; the
    receipt e-mail is queued only after the commit."""
    from zakat.tasks import send_fitr_receipt

    if (
        isinstance(people, bool)
        or not isinstance(people, int)
        or not 1 <= people <= FITR_PEOPLE_MAX
    ):
        raise ValidationError(
            {"people": [f"Enter a number of people from 1 to {FITR_PEOPLE_MAX}."]}
        )
    ReceiptCounter.objects.get_or_create(name=FITR_RECEIPT_COUNTER)  # outside the lock order
    season = selectors.fitr_season()
    if timezone.now() >= season.deadline:
        raise FitrDeadlinePassed()
    if season.rate is None:
        raise FitrRateUnset()
    rate = season.rate.amount_per_person
    amount = money.quantize(rate * people)
    with transaction.atomic():
        wallet = wallet_get_or_create(user=payer)
        txn = ledger_post(
            kind=LedgerTransaction.Kind.FITR_PAYMENT,
            legs=[Leg(wallet, -amount), Leg(fitr_fund_account(), amount)],
            reference=f"Zakat al-fitr {season.hijri_year} AH for {people} "
            f"{'person' if people == 1 else 'people'}",
            created_by=payer,
        )
        payment = FitrPayment.objects.create(
            payer=payer,
            hijri_year=season.hijri_year,
            people=people,
            amount_per_person=rate,
            amount=amount,
            receipt_number=_next_fitr_receipt_number(),
            ledger_transaction=txn,
            paid_at=txn.created_at,
        )
        enqueue_with_transaction(send_fitr_receipt, str(payment.pk))
    return payment


def fitr_receipt_mark_sent(*, payment: FitrPayment) -> bool:
    """Claim the receipt e-mail of a fitr payment; False when it was sent already."""
    with transaction.atomic():
        claimed = FitrPayment.objects.filter(pk=payment.pk, receipt_sent_at__isnull=True).update(
            receipt_sent_at=timezone.now()
        )
    return claimed == 1
