"""Background work of the zakat app (django.tasks)."""

import logging

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, send_mail
from django.tasks import task
from django.template.loader import render_to_string
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts import money
from config.validators import email_subject
from zakat import selectors, services

logger = logging.getLogger(__name__)


@task
def send_zakat_receipt(payment_id: str) -> bool:
    """E-mail the receipt of one zakat payment (text and HTML). The payment is
    claimed before sending, so a retried task never mails a receipt twice."""
    payment = selectors.zakat_payment_find(pk=payment_id)
    if payment is None:
        logger.warning("Zakat receipt for unknown payment %s", payment_id)
        return False
    if not services.zakat_receipt_mark_sent(payment=payment):
        return False
    context = {
        "payment": payment,
        "record": payment.record,
        "user": payment.payer,
        "currency": money.currency(),
    }
    subject = _("Your zakat receipt %(label)s") % {"label": payment.receipt_label}
    message = EmailMultiAlternatives(
        subject=email_subject(subject),
        body=render_to_string("zakat/email/receipt.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[payment.payer.email],
    )
    message.attach_alternative(render_to_string("zakat/email/receipt.html", context), "text/html")
    message.send()
    return True


@task
def send_fitr_receipt(payment_id: str) -> bool:
    """E-mail the receipt of one zakat al-fitr payment (text and HTML), once."""
    payment = selectors.fitr_payment_find(pk=payment_id)
    if payment is None:
        logger.warning("Fitr receipt for unknown payment %s", payment_id)
        return False
    if not services.fitr_receipt_mark_sent(payment=payment):
        return False
    context = {"payment": payment, "user": payment.payer, "currency": money.currency()}
    message = EmailMultiAlternatives(
        subject=_("Your zakat al-fitr receipt %(label)s") % {"label": payment.receipt_label},
        body=render_to_string("zakat/email/fitr_receipt.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[payment.payer.email],
    )
    message.attach_alternative(
        render_to_string("zakat/email/fitr_receipt.html", context), "text/html"
    )
    message.send()
    return True


@task
def refresh_metal_prices() -> str | None:
    """Fetch METAL_PRICES_URL and store a snapshot (run e.g. hourly). Returns the new
    snapshot's id, or None when nothing was stored (no feed, failure, no change)."""
    snapshot = services.metal_prices_refresh()
    return str(snapshot.pk) if snapshot else None


@task
def send_hawl_reminders() -> int:
    """Daily: queue the reminder e-mail of every hawl due within a week (once per due
    date). Schedule it once a day, or run `manage.py send_hawl_reminders`."""
    return services.hawl_reminders_send()


@task
def send_hawl_reminder(hawl_id: int, due: str) -> bool:
    """E-mail one person that their zakat falls due on `due` (ISO date). Skipped when
    the hawl is gone or its start date changed since (another due date)."""
    from datetime import date

    from zakat.dates import hijri_label

    hawl = selectors.hawl_find(pk=hawl_id)
    due_date = date.fromisoformat(due)
    if hawl is None or hawl.next_due != due_date:
        return False
    context = {
        "user": hawl.user,
        "hawl": hawl,
        "due": due_date,
        "due_hijri": hijri_label(due_date),
        "start_hijri": hijri_label(hawl.started_on),
    }
    send_mail(
        subject=_("Your zakat falls due on %(date)s") % {"date": date_format(due_date, "j F Y")},
        message=render_to_string("zakat/email/hawl_reminder.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[hawl.user.email],
    )
    return True
