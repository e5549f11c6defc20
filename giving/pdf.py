"""PDF receipts and yearly statements (fpdf2: pure Python, no system libraries).

The core PDF fonts cover Latin-1 only, so text outside it (Arabic names, for one)
is written as "?" for now; an embedded Unicode font with shaping is the way to
Arabic receipts later. Amounts are Decimals formatted here, never floats.
"""

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from fpdf import FPDF

from accounts import money


def _text(value: object) -> str:
    return str(value).encode("latin-1", "replace").decode("latin-1")


def amount_text(value: Decimal) -> str:
    return f"{money.quantize(value):,.2f} {money.currency()}"


@dataclass(frozen=True)
class Receipt:
    title: str
    number: str
    paid_at: datetime
    payer_name: str
    payer_email: str
    amount: Decimal
    lines: list[tuple[str, str]] = field(default_factory=list)
    note: str = ""


@dataclass(frozen=True)
class StatementRow:
    on: datetime
    kind: str
    description: str
    number: str
    amount: Decimal


class _Document(FPDF):
    def __init__(self) -> None:
        super().__init__(format="A4")
        self.set_auto_page_break(auto=True, margin=18)
        self.set_margins(18, 18, 18)
        self.set_title(_text(settings.INSTITUTION_NAME))
        self.set_creator(_text(settings.INSTITUTION_NAME))

    def header(self) -> None:
        self.set_font("Helvetica", "B", 14)
        self.cell(0, 7, _text(settings.INSTITUTION_NAME), new_x="LMARGIN", new_y="NEXT")
        self.set_font("Helvetica", "", 9)
        if settings.INSTITUTION_ADDRESS:
            self.multi_cell(0, 4.5, _text(settings.INSTITUTION_ADDRESS), new_x="LMARGIN")
        if settings.INSTITUTION_REGISTRATION_NUMBER:
            self.cell(
                0,
                4.5,
                _text(_("Registration number: %s") % settings.INSTITUTION_REGISTRATION_NUMBER),
                new_x="LMARGIN",
                new_y="NEXT",
            )
        self.ln(4)
        self.line(self.l_margin, self.get_y(), self.w - self.r_margin, self.get_y())
        self.ln(4)

    def footer(self) -> None:
        self.set_y(-14)
        self.set_font("Helvetica", "", 8)
        self.cell(0, 5, _text(_("Page %s") % self.page_no()), align="C")

    def heading(self, text: str) -> None:
        self.set_font("Helvetica", "B", 16)
        self.cell(0, 9, _text(text), new_x="LMARGIN", new_y="NEXT")
        self.ln(2)

    def pair(self, label: str, value: str) -> None:
        self.set_font("Helvetica", "B", 10)
        self.cell(50, 6.5, _text(label))
        self.set_font("Helvetica", "", 10)
        self.multi_cell(0, 6.5, _text(value), new_x="LMARGIN", new_y="NEXT")


def _when(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M %Z")


def receipt_pdf(receipt: Receipt) -> bytes:
    pdf = _Document()
    pdf.add_page()
    pdf.heading(receipt.title)
    pdf.pair(_("Receipt number"), receipt.number)
    pdf.pair(_("Date"), _when(receipt.paid_at))
    pdf.pair(_("Received from"), f"{receipt.payer_name} ({receipt.payer_email})")
    for label, value in receipt.lines:
        pdf.pair(label, value)
    pdf.pair(_("Amount"), amount_text(receipt.amount))
    if receipt.note:
        pdf.ln(4)
        pdf.set_font("Helvetica", "I", 9)
        pdf.multi_cell(0, 5, _text(receipt.note), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def statement_pdf(
    *, year: int, donor_name: str, donor_email: str, rows: list[StatementRow]
) -> bytes:
    pdf = _Document()
    pdf.add_page()
    pdf.heading(_("Giving statement %(year)s") % {"year": year})
    pdf.pair(_("Donor"), f"{donor_name} ({donor_email})")
    pdf.pair(_("Issued"), _when(timezone.now()))
    pdf.ln(3)
    widths = (26, 30, 68, 26, 24)
    pdf.set_font("Helvetica", "B", 9)
    for width, title in zip(
        widths,
        (_("Date"), _("Kind"), _("Description"), _("Receipt"), _("Amount")),
        strict=True,
    ):
        pdf.cell(width, 6, _text(title), border="B", align="R" if width == 24 else "L")
    pdf.ln()
    pdf.set_font("Helvetica", "", 9)
    totals: dict[str, Decimal] = {}
    for row in rows:
        values = (
            timezone.localtime(row.on).strftime("%Y-%m-%d"),
            row.kind,
            row.description[:44],
            row.number,
            f"{money.quantize(row.amount):,.2f}",
        )
        for width, value in zip(widths, values, strict=True):
            pdf.cell(width, 5.5, _text(value), align="R" if width == 24 else "L")
        pdf.ln()
        totals[row.kind] = totals.get(row.kind, Decimal(0)) + row.amount
    pdf.ln(3)
    for kind, total in totals.items():
        pdf.pair(_("Total %(kind)s") % {"kind": kind}, amount_text(total))
    pdf.pair(_("Total given"), amount_text(sum(totals.values(), Decimal(0))))
    if not rows:
        pdf.set_font("Helvetica", "I", 9)
        pdf.cell(0, 6, _text(_("Nothing was given this year.")), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
