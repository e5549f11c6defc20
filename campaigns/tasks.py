"""Background work of the campaigns app (django.tasks).

Arguments are plain strings so any task backend can queue them."""

import logging

from django.conf import settings
from django.core import mail
from django.tasks import task
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from accounts import money
from config.mail import EmailMultiAlternatives
from config.taskqueue import complete_queued
from config.validators import email_subject

logger = logging.getLogger(__name__)


def _message(*, template: str, subject: str, donation) -> EmailMultiAlternatives:
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
    return message


def _send(*, template: str, subject: str, donation) -> None:
    _message(template=template, subject=subject, donation=donation).send()


def _receipt(donation) -> EmailMultiAlternatives:
    return _message(
        template="receipt",
        subject=_("Your donation receipt: %(name)s") % {"name": donation.campaign.name},
        donation=donation,
    )


@task
def send_donation_receipt(donation_id: str) -> int:
    """E-mail the receipt of the donation that queued this task, and every other
    receipt still waiting, in batches over one mail connection; return how many
    went. Numbers are issued first (campaigns.services.donation_receipts_issue).

    At a peak one run mails many receipts; the runs the other donations queued
    are then marked done (config.taskqueue.complete_queued) instead of each being
    claimed by the worker to find nothing left. A receipt is claimed before it is
    mailed, so it goes once; one that fails is given back and the error raised
    (the task is marked failed), and the next run mails it."""
    from campaigns import services

    services.donation_receipts_issue()
    sent = 0
    while batch := services.donation_receipts_claim():
        mailed: list[str] = []
        try:
            mailer = mail.mailers.default
            with mailer:  # one connection for the batch
                for donation in batch:
                    mailer.send_messages([_receipt(donation)])
                    mailed.append(str(donation.pk))
        except Exception:
            unsent = [d for d in batch if str(d.pk) not in mailed]
            services.donation_receipts_release(donations=unsent)
            logger.exception("receipt e-mails failed; %d given back", len(unsent))
            raise
        finally:
            complete_queued(send_donation_receipt, first_args=mailed)
        sent += len(mailed)
        if len(batch) < services.RECEIPT_SEND_BATCH:
            break
    return sent


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
def send_campaign_update(update_id: str) -> int:
    """E-mail a campaign's update to each of its donors, one message each (no
    shared recipient list), and return how many went. A failure to one address
    is logged and the rest still go."""
    from campaigns.models import CampaignUpdate
    from campaigns.selectors import campaign_donor_emails

    update = (
        CampaignUpdate.objects.select_related("campaign", "author").filter(pk=update_id).first()
    )
    if update is None:
        return 0
    sent = 0
    for email, name in campaign_donor_emails(
        campaign=update.campaign, exclude_user_id=update.author_id
    ):
        context = {"update": update, "campaign": update.campaign, "name": name}
        message = EmailMultiAlternatives(
            subject=email_subject(
                _("News from %(campaign)s: %(title)s")
                % {"campaign": update.campaign.name, "title": update.title}
            ),
            body=render_to_string("campaigns/email/update.txt", context),
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[email],
        )
        message.attach_alternative(
            render_to_string("campaigns/email/update.html", context), "text/html"
        )
        try:
            message.send()
        except Exception:
            logger.exception("campaign update %s: mail to a donor failed", update_id)
        else:
            sent += 1
    return sent


@task
def close_ended_campaigns() -> int:
    """Complete active campaigns whose end date has passed (run daily)."""
    from campaigns.services import campaigns_close_ended

    return campaigns_close_ended()
