"""Background work of the payouts app (django.tasks). Arguments are plain strings."""

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.tasks import task
from django.utils.translation import gettext as _

from accounts import money

logger = logging.getLogger(__name__)


@task
def send_payout(payout_id: str) -> str | None:
    """Hand one committed payout to the provider (payouts.services.payout_send)."""
    from payouts.services import payout_send

    payout = payout_send(payout_id=payout_id)
    return payout.status if payout is not None else None


@task
def send_payout_notice(payout_id: str) -> bool:
    """E-mail the person who asked: the payout was paid, or failed and came back."""
    from payouts.models import Payout

    payout = (
        Payout.objects.select_related("owner", "requested_by", "payout_account", "campaign")
        .filter(pk=payout_id)
        .first()
    )
    if payout is None or payout.status not in (Payout.Status.PAID, Payout.Status.FAILED):
        return False
    person = payout.owner or payout.requested_by
    where = payout.iban_masked or payout.payee_name
    if payout.status == Payout.Status.PAID:
        subject = _("Your payout has been paid")
        body = f"{payout.amount} {money.currency()} has been paid to {where}."
    else:
        subject = _("Your payout could not be paid")
        back = "your wallet" if payout.owner_id else "the campaign's fund"
        body = (
            f"The payout of {payout.amount} {money.currency()} to {where} could not be paid "
            f"({payout.failure_reason}). The money is back in {back}."
        )
    send_mail(
        subject=subject,
        message=f"Assalamu alaikum {person.name},\n\n{body}\n\nOSE Platform",
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[person.email],
    )
    return True


@task
def check_stuck_payouts() -> int:
    """Daily: payouts in transit longer than a day are logged and e-mailed to
    finance. Schedule it once a day, or run `manage.py check_stuck_payouts`."""
    from django.contrib.auth import get_user_model

    from payouts.services import payouts_stuck

    stuck = payouts_stuck()
    if not stuck:
        return 0
    lines = []
    for payout in stuck:
        logger.warning(
            "Payout %s (%s, %s) in transit since %s",
            payout.pk,
            payout.source,
            payout.amount,
            payout.created_at.isoformat(),
        )
        lines.append(
            f"- {payout.pk}: {payout.amount} {money.currency()} {payout.get_source_display()}, "
            f"gateway {payout.gateway or '-'}, since {payout.created_at:%Y-%m-%d %H:%M} UTC"
        )
    finance = list(
        get_user_model()
        .objects.filter(is_active=True, groups__name="finance")
        .values_list("email", flat=True)
        .distinct()
    )
    if finance:
        send_mail(
            subject=f"{len(stuck)} payout(s) stuck in transit",
            message="These payouts have not settled for more than a day:\n\n"
            + "\n".join(lines)
            + "\n\nCheck them with the payout provider and the settlement report.",
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=finance,
        )
    return len(stuck)
