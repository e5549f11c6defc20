"""What a PDF receipt or statement says, read from the donation or payment.

Reads only (the receipts exist already); authorization is the `*_get_for`
selectors' job, done by the caller before a document is made."""

from datetime import date, datetime, time

from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from campaigns.models import Donation
from giving.pdf import Receipt, StatementRow, receipt_pdf, statement_pdf

FIRST_YEAR = 2000


def donation_receipt_pdf(donation: Donation) -> bytes:
    zakat = donation.designation == Donation.Designation.ZAKAT
    lines = [
        (_("Campaign"), donation.campaign.name),
        (_("Given as"), str(donation.get_designation_display())),
        (_("Status"), str(donation.get_status_display())),
    ]
    note = (
        _("Zakat, held apart and spent only on those entitled to receive zakat.")
        if zakat
        else _("Sadaqah, paid into the campaign's fund.")
    )
    return receipt_pdf(
        Receipt(
            title=_("Donation receipt"),
            number=donation.receipt_label,
            paid_at=donation.created_at,
            payer_name=donation.donor.name,
            payer_email=donation.donor.email,
            amount=donation.amount,
            lines=lines,
            note=note,
        )
    )


def zakat_receipt_pdf(payment) -> bytes:
    return receipt_pdf(
        Receipt(
            title=_("Zakat receipt"),
            number=payment.receipt_label,
            paid_at=payment.paid_at,
            payer_name=payment.payer.name,
            payer_email=payment.payer.email,
            amount=payment.amount,
            lines=[(_("Zakat record"), payment.record.payer_reference)],
            note=_("Paid into the zakat fund, spent only on the eight categories of recipients."),
        )
    )


def fitr_receipt_pdf(payment) -> bytes:
    return receipt_pdf(
        Receipt(
            title=_("Zakat al-fitr receipt"),
            number=payment.receipt_label,
            paid_at=payment.paid_at,
            payer_name=payment.payer.name,
            payer_email=payment.payer.email,
            amount=payment.amount,
            lines=[
                (_("Hijri year"), str(payment.hijri_year)),
                (_("People"), str(payment.people)),
            ],
            note=_("Paid into the zakat al-fitr fund, given out before the Eid prayer."),
        )
    )


def year_bounds(year: int) -> tuple[datetime, datetime]:
    zone = timezone.get_current_timezone()
    return (
        datetime.combine(date(year, 1, 1), time.min, tzinfo=zone),
        datetime.combine(date(year + 1, 1, 1), time.min, tzinfo=zone),
    )


def statement_document(*, user: User, year: int, rows: list[StatementRow]) -> bytes:
    return statement_pdf(year=year, donor_name=user.name, donor_email=user.email, rows=rows)
