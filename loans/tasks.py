"""Background work of the loans app (django.tasks)."""

from django.conf import settings
from django.core.mail import send_mail
from django.tasks import task
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from loans.models import Installment


@task
def mark_overdue_installments() -> dict:
    """Daily: mark late installments overdue and send each borrower one reminder per
    installment. Schedule it once a day (cron or the queue's scheduler), or run
    `manage.py mark_overdue_installments`."""
    from loans.services import installments_mark_overdue

    marked, reminded = installments_mark_overdue()
    return {"marked": marked, "reminded": reminded}


@task
def send_overdue_reminder(installment_id: int) -> bool:
    """E-mail the gentle reminder for one overdue installment."""
    inst = (
        Installment.objects.select_related("loan__borrower", "contract__customer")
        .filter(pk=installment_id)
        .first()
    )
    if inst is None or inst.paid_amount >= inst.amount:
        return False
    person = inst.loan.borrower if inst.loan_id else inst.contract.customer
    context = {
        "person": person,
        "installment": inst,
        "what": "qard hasan loan" if inst.loan_id else "murabaha contract",
        "path": f"/loans/{inst.loan_id}/" if inst.loan_id else f"/murabaha/{inst.contract_id}/",
    }
    send_mail(
        subject=_("A gentle reminder about your installment"),
        message=render_to_string("loans/email/overdue_reminder.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[person.email],
    )
    return True
