"""Top-ups: money coming in from outside through the configured payment gateway."""

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts import money
from accounts.models import LedgerTransaction, ProviderEvent, TopUp, User
from accounts.payments import WebhookEvent
from accounts.services.ledger import (
    InsufficientFunds,
    Leg,
    external_account,
    ledger_post,
    wallet_get_or_create,
)
from config.errors import DomainError

logger = logging.getLogger(__name__)


class PaymentUnavailable(DomainError):
    code = "payment_unavailable"
    status = 503
    default_message = _(
        "The payment provider is not answering. Nothing was charged; please try again."
    )


class TopUpNotPending(DomainError):
    code = "top_up_not_pending"
    default_message = _("This top-up has already been settled.")


@dataclass(frozen=True)
class TopUpListener:
    """Another app's part in settling a top-up that carries its intent (giving's
    checkout: a donation paid by card). `before_settle` runs first under the
    top-up's lock, to take the listener's own locks before the ledger's (one lock
    order everywhere); `after_settle` runs after the credit, in the same
    transaction, so the top-up and what it pays for commit together."""

    before_settle: Callable[[TopUp], None]
    after_settle: Callable[[TopUp], None]


_LISTENERS: list[TopUpListener] = []


def top_up_listener_register(listener: TopUpListener) -> None:
    """Called from an app's ready(); registering the same listener twice is a no-op."""
    if listener not in _LISTENERS:
        _LISTENERS.append(listener)


def top_up_create(
    *,
    user: User,
    amount: Decimal,
    payment_method: str = "",
    attach: Callable[[TopUp], None] | None = None,
) -> TopUp:
    """Start a top-up with the configured gateway. The sandbox approves at once
    and the money is in the wallet when this returns; a real provider answers
    `pending` with a redirect, and its webhook settles the top-up later through
    top_up_settle. Callers see a TopUp either way.

    `attach(top_up)` runs in the transaction that creates the top-up, before the
    gateway hears of it: a caller records there what the payment is for (a
    checkout), so any gateway that can take a top-up can take a checkout too."""
    from accounts.payments import get_gateway

    amount = money.quantize(amount)
    if amount <= 0:  # forms check this too; the service must not leave it to a constraint
        raise ValidationError({"amount": ["Enter an amount of at least 0.01."]})
    gateway = get_gateway()
    with transaction.atomic():
        wallet_get_or_create(user=user)
        top_up = TopUp.objects.create(
            user=user, amount=amount, gateway=gateway.name, payment_method=payment_method or ""
        )
        if attach is not None:
            attach(top_up)
    try:
        result = gateway.start(top_up=top_up)
    except Exception as exc:
        # The provider failed before confirming anything: record the attempt as
        # failed so it can never be settled later, and tell the caller plainly.
        logger.exception("Payment gateway %s failed to start top-up %s", gateway.name, top_up.pk)
        TopUp.objects.filter(pk=top_up.pk).update(
            status=TopUp.Status.FAILED, completed_at=timezone.now()
        )
        raise PaymentUnavailable() from exc
    TopUp.objects.filter(pk=top_up.pk).update(
        provider_reference=result.provider_reference, redirect_url=result.redirect_url or ""
    )
    top_up.provider_reference = result.provider_reference
    top_up.redirect_url = result.redirect_url or ""
    if result.status != TopUp.Status.PENDING:
        top_up = top_up_settle(top_up=top_up, succeeded=result.status == TopUp.Status.SUCCEEDED)
    return top_up


def top_up_settle(*, top_up: TopUp, succeeded: bool, after_failure: bool = False) -> TopUp:
    """Record the gateway's verdict: on success the money enters the wallet from
    the outside world. Settling twice (a webhook delivered again) is refused.

    `after_failure` lets a success settle a top-up already marked failed: a
    provider's success is final (the payer's money was taken: a card retried on
    the same payment, or the decline delivered before the success), so it must
    reach the wallet. A failure never undoes a success."""
    with transaction.atomic():
        top_up = TopUp.objects.select_for_update().get(pk=top_up.pk)
        settleable = [TopUp.Status.PENDING]
        if after_failure and succeeded:
            settleable.append(TopUp.Status.FAILED)
        if top_up.status not in settleable:
            raise TopUpNotPending()
        for listener in _LISTENERS:
            listener.before_settle(top_up)
        top_up.completed_at = timezone.now()
        if succeeded:
            top_up.ledger_transaction = ledger_post(
                kind=LedgerTransaction.Kind.TOP_UP,
                legs=[
                    Leg(wallet_get_or_create(user=top_up.user), top_up.amount),
                    Leg(external_account(), -top_up.amount),
                ],
                reference=f"Top-up via {top_up.gateway}",
                created_by=top_up.user,
            )
            top_up.status = TopUp.Status.SUCCEEDED
        else:
            top_up.status = TopUp.Status.FAILED
        top_up.save(update_fields=["status", "completed_at", "ledger_transaction"])
        for listener in _LISTENERS:
            listener.after_settle(top_up)
    return top_up


class TopUpNotRefundable(DomainError):
    code = "top_up_not_refundable"
    default_message = "Only a paid top-up can be refunded, up to what is left of it."


def top_up_webhook_apply(*, gateway: str, event: WebhookEvent) -> TopUp | None:
    """Apply one authentic provider event, exactly once.

    The event's id is recorded in the same transaction as its effect, so a
    second delivery finds it and changes nothing. A success settles a pending
    top-up, or one a decline marked failed (success wins); a failure settles
    only a pending one (a late decline after a success is history); a refund
    event carries the running refunded total and moves only the part not yet
    recorded. An event about a top-up we do not have (another installation
    sharing the provider's account) is acknowledged, logged and records nothing:
    refusing it would only make the provider retry it for days."""
    if event.ignored:
        return None
    with transaction.atomic():
        candidates = TopUp.objects.select_for_update().filter(gateway=gateway)
        if event.top_up_id:
            top_up = candidates.filter(pk=_uuid_or_none(event.top_up_id)).first()
        else:
            top_up = candidates.filter(provider_reference=event.provider_reference).first()
        if top_up is None:
            logger.warning(
                "%s event %s names no top-up of ours (%s); ignored",
                gateway,
                event.event_id,
                event.top_up_id or event.provider_reference,
            )
            return None
        if event.event_id:
            try:
                with transaction.atomic():
                    ProviderEvent.objects.create(
                        gateway=gateway,
                        event_id=event.event_id,
                        event_type=event.event_type[:100],
                        top_up=top_up,
                    )
            except IntegrityError:
                logger.info("Provider event %s delivered again; ignored", event.event_id)
                return top_up
        if event.refunded_total is not None:
            return _refund_recorded(top_up=top_up, refunded_total=event.refunded_total)
        if event.provider_reference and event.provider_reference != top_up.provider_reference:
            # Paid on a hosted page: the payment's own id (what refunds name) is
            # known only now.
            top_up.provider_reference = event.provider_reference[:200]
            top_up.save(update_fields=["provider_reference"])
        if event.succeeded and top_up.status != TopUp.Status.SUCCEEDED:
            return top_up_settle(top_up=top_up, succeeded=True, after_failure=True)
        if not event.succeeded and top_up.status == TopUp.Status.PENDING:
            return top_up_settle(top_up=top_up, succeeded=False)
        return top_up


def _uuid_or_none(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


def _refund_post(*, top_up: TopUp, amount: Decimal, by: User | None, note: str) -> None:
    """Inside the caller's transaction, the top-up locked: `amount` leaves the
    wallet for the card it came from."""
    ledger_post(
        kind=LedgerTransaction.Kind.TOP_UP,
        legs=[
            Leg(wallet_get_or_create(user=top_up.user), -amount),
            Leg(external_account(), amount),
        ],
        reference=f"Top-up refunded to the card via {top_up.gateway}"[:200],
        memo=note,
        created_by=by or top_up.user,
    )
    top_up.refunded_amount = money.quantize(top_up.refunded_amount + amount)
    top_up.save(update_fields=["refunded_amount"])


def _refund_recorded(*, top_up: TopUp, refunded_total: Decimal) -> TopUp:
    """The provider reports `refunded_total` given back so far (a refund made on
    its dashboard, or the echo of one we asked for): move what we have not."""
    from staff.services.audit import audit_record

    refunded_total = money.quantize(refunded_total)
    missing = money.quantize(refunded_total - top_up.refunded_amount)
    if missing <= 0 or top_up.status != TopUp.Status.SUCCEEDED:
        return top_up
    if refunded_total > top_up.amount:
        raise ValidationError({"amount_refunded": ["More than the top-up was refunded."]})
    try:
        with transaction.atomic():
            _refund_post(top_up=top_up, amount=missing, by=None, note="reported by the provider")
            audit_record(
                actor=None,
                action="top_up.refunded",
                subject=top_up,
                changes={"amount": missing, "refunded_total": refunded_total},
            )
    except InsufficientFunds:
        # The payer has spent the money already: the card got it back anyway, so
        # finance must recover it. Say so loudly; the event stays recorded.
        logger.error(
            "Top-up %s: %s refunded to the card but the wallet holds less", top_up.pk, missing
        )
        audit_record(
            actor=None,
            action="top_up.refund_unfunded",
            subject=top_up,
            changes={"amount": missing, "refunded_total": refunded_total},
            reason="refunded by the provider; the wallet could not cover it",
        )
    return top_up


def top_up_refund(*, top_up: TopUp, amount: Decimal | str, by: User, reason: str) -> TopUp:
    """Give (part of) a paid top-up back to the card it came from.

    An outflow: the caller (a staff action or an approval's executor) has
    checked who may do it. The wallet is debited first, in its own transaction
    (402 when the payer has spent it), then the provider is asked with an
    idempotency key; if it fails, the debit is undone and the caller hears 503.
    The provider's refund webhook then reports a total already recorded and
    moves nothing."""
    from accounts.payments import get_gateway_by_name
    from staff.services.audit import audit_record

    amount = money.parse_cents(amount, field="amount")
    gateway = get_gateway_by_name(top_up.gateway)
    if gateway is None or not hasattr(gateway, "refund"):
        raise TopUpNotRefundable("This top-up's payment provider cannot refund it.")
    with transaction.atomic():
        top_up = TopUp.objects.select_for_update().get(pk=top_up.pk)
        if (
            top_up.status != TopUp.Status.SUCCEEDED
            or amount > top_up.amount - top_up.refunded_amount
        ):
            raise TopUpNotRefundable()
        _refund_post(top_up=top_up, amount=amount, by=by, note=reason)
        number = top_up.refunded_amount
        audit_record(
            actor=by,
            action="top_up.refund_requested",
            subject=top_up,
            changes={"amount": amount},
            reason=reason,
        )
    try:
        result = gateway.refund(
            top_up=top_up, amount=amount, idempotency_key=f"{top_up.pk}-refund-{number}"
        )
        failed = result.status == "failed"
    except Exception:
        logger.exception("Refund of top-up %s failed at the provider", top_up.pk)
        failed = True
    if failed:
        with transaction.atomic():
            top_up = TopUp.objects.select_for_update().get(pk=top_up.pk)
            ledger_post(
                kind=LedgerTransaction.Kind.TOP_UP,
                legs=[
                    Leg(external_account(), -amount),
                    Leg(wallet_get_or_create(user=top_up.user), amount),
                ],
                reference="Card refund not made; money back in the wallet",
                created_by=by,
            )
            top_up.refunded_amount = money.quantize(top_up.refunded_amount - amount)
            top_up.save(update_fields=["refunded_amount"])
            audit_record(
                actor=by, action="top_up.refund_failed", subject=top_up, changes={"amount": amount}
            )
        raise PaymentUnavailable("The payment provider did not refund; nothing left the wallet.")
    return top_up


# A payer whose card was declined may pay the same payment with another card a
# little later; if that success's webhook is lost, the sync still finds it.
FAILED_RECHECK_WINDOW = timedelta(days=1)


def top_ups_sync_pending(*, older_than: timedelta = timedelta(minutes=15)) -> list[TopUp]:
    """Settle pending top-ups whose webhook never came, by asking the provider
    (a gateway with `poll`). Settling goes through top_up_settle like a webhook,
    so a webhook arriving at the same time changes nothing twice. Top-ups that
    failed within FAILED_RECHECK_WINDOW are asked about too, and settled only
    when the provider now says they succeeded (success is final, as in
    top_up_webhook_apply). Answers the top-ups it settled."""
    from accounts.payments import get_gateway

    gateway = get_gateway()
    if not hasattr(gateway, "poll"):
        return []
    now = timezone.now()
    cutoff = now - older_than
    settled = []
    candidates = TopUp.objects.filter(gateway=gateway.name).exclude(provider_reference="")
    pending = candidates.filter(status=TopUp.Status.PENDING, created_at__lt=cutoff)
    failed = candidates.filter(
        status=TopUp.Status.FAILED, completed_at__gte=now - FAILED_RECHECK_WINDOW
    )
    for top_up in [*pending.order_by("created_at"), *failed.order_by("created_at")]:
        try:
            result = gateway.poll(top_up=top_up)
        except Exception:
            logger.exception("Could not ask %s about top-up %s", gateway.name, top_up.pk)
            continue
        if result.status == TopUp.Status.PENDING:
            continue
        if top_up.status == TopUp.Status.FAILED and result.status != TopUp.Status.SUCCEEDED:
            continue
        if result.provider_reference and result.provider_reference != top_up.provider_reference:
            TopUp.objects.filter(pk=top_up.pk).update(
                provider_reference=result.provider_reference[:200]
            )
        try:
            settled.append(
                top_up_settle(
                    top_up=top_up,
                    succeeded=result.status == TopUp.Status.SUCCEEDED,
                    after_failure=True,
                )
            )
        except TopUpNotPending:  # a webhook was quicker
            continue
    return settled
