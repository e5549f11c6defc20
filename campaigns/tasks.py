"""Background work of the campaigns app (django.tasks).

Arguments are plain strings so any task backend can queue them."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.tasks import task
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from accounts import money
from config.validators import email_subject


def _send(*, template: str, subject: str, donation) -> None:
    context = {"donation": donation, "campaign": donation.campaign, "currency": money.currency()}
    text = render_to_string(f"campaigns/email/{template}.txt", context)
    html = render_to_string(f"campaigns/email/{template}.html", context)
    message = EmailMultiAlternatives(
        # Campaign names are people's input: one safe line, whatever is stored.
        subject=email_subject(subject),
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[donation.donor.email],
    )
    message.attach_alternative(html, "text/html")
    message.send()


@task
def send_donation_receipt(donation_id: str) -> None:
    """E-mail the donor a receipt for one donation."""
    from campaigns.models import Donation

    donation = Donation.objects.select_related("donor", "campaign").filter(pk=donation_id).first()
    if donation is None:
        return
    _send(
        template="receipt",
        subject=_("Your donation receipt: %(name)s") % {"name": donation.campaign.name},
        donation=donation,
    )


@task
def send_refund_notice(donation_id: str) -> None:
    """Tell the donor their donation was refunded to their wallet."""
    from campaigns.models import Donation

    donation = Donation.objects.select_related("donor", "campaign").filter(pk=donation_id).first()
    if donation is None:
        return
    _send(
        template="refund",
        subject=_("Your donation was refunded: %(name)s") % {"name": donation.campaign.name},
        donation=donation,
    )


@task
def close_ended_campaigns() -> int:
    """Complete active campaigns whose end date has passed (run daily)."""
    from campaigns.services import campaigns_close_ended

    return campaigns_close_ended()
