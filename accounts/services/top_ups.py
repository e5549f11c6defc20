"""Top-ups: money coming in from outside through the configured payment gateway."""

import logging
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts import money
from accounts.models import LedgerTransaction, TopUp, User
from accounts.services.ledger import Leg, external_account, ledger_post, wallet_get_or_create
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


def top_up_create(*, user: User, amount: Decimal) -> TopUp:
    """Start a top-up with the configured gateway. The sandbox approves at once
    and the money is in the wallet when this returns; a real provider answers
    `pending` with a redirect, and its webhook settles the top-up later through
    top_up_settle. Callers see a TopUp either way."""
    from accounts.payments import get_gateway

    amount = money.quantize(amount)
    if amount <= 0:  # forms check this too; the service must not leave it to a constraint
        raise ValidationError({"amount": ["Enter an amount of at least 0.01."]})
    gateway = get_gateway()
    with transaction.atomic():
        wallet_get_or_create(user=user)
        top_up = TopUp.objects.create(user=user, amount=amount, gateway=gateway.name)
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


def top_up_settle(*, top_up: TopUp, succeeded: bool) -> TopUp:
    """Record the gateway's verdict: on success the money enters the wallet from
    the outside world. Settling twice (a webhook delivered again) is refused."""
    with transaction.atomic():
        top_up = TopUp.objects.select_for_update().get(pk=top_up.pk)
        if top_up.status != TopUp.Status.PENDING:
            raise TopUpNotPending()
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
    return top_up
