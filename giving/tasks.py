"""Background work of giving (django.tasks). Arguments are plain strings."""

from django.conf import settings
from django.core.mail import send_mail
from django.tasks import task
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from accounts import money
from config.validators import email_subject


@task
def run_recurring_donations() -> dict[str, int]:
    """Give every recurring gift due today (run daily; running it twice is safe)."""
    from giving.services import recurring_run_due

    return recurring_run_due()


@task
def send_run_failed(run_id: str) -> None:
    """Tell the donor a recurring gift could not be given today, and why."""
    from giving.models import RecurringRun

    run = (
        RecurringRun.objects.select_related("gift__donor", "gift__campaign")
        .filter(pk=run_id)
        .first()
    )
    if run is None:
        return
    gift = run.gift
    with translation.override(getattr(gift.donor, "language", None) or settings.LANGUAGE_CODE):
        context = {"run": run, "gift": gift, "currency": money.currency()}
        body = render_to_string("giving/email/run_failed.txt", context)
        subject = _("Your recurring gift to %(campaign)s was not made") % {
            "campaign": gift.campaign.name
        }
    send_mail(
        subject=email_subject(subject),
        message=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[gift.donor.email],
    )
