"""Background work of zakat distribution (django.tasks)."""

from django.conf import settings
from django.core.mail import send_mail
from django.tasks import task
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from accounts import money
from distribution.models import ZakatDisbursement


@task
def send_disbursement_notice(disbursement_id: str) -> bool:
    """Tell the applicant that zakat was paid to them."""
    disbursement = (
        ZakatDisbursement.objects.select_related("case__applicant")
        .filter(pk=disbursement_id)
        .first()
    )
    if disbursement is None or disbursement.case.applicant is None:
        return False
    person = disbursement.case.applicant
    send_mail(
        subject=_("Zakat has been paid to you"),
        message=render_to_string(
            "distribution/email/disbursed.txt",
            {"person": person, "disbursement": disbursement, "currency": money.currency()},
        ),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[person.email],
    )
    return True


@task
def report_overdue_zakat() -> int:
    """Daily: e-mail zakat officers what has stayed undistributed for over a lunar
    year. Schedule once a day, or run `manage.py report_overdue_zakat`."""
    from distribution.services import zakat_overdue_report_send

    return zakat_overdue_report_send()
