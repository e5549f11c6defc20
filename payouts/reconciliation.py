"""Reconciliation of a payout provider's settlement report with our payouts.

The report is CSV with a header row naming at least `reference` (the
provider's reference or our payout id), `amount` and `status` (`paid` or
`failed`), and optionally `date` (YYYY-MM-DD). Our side is every payout the
report's gateway was handed; when the report has dates, the payouts we marked
paid within them. Nothing here writes: it reports, and the command (and the
admin upload) show it.
"""

import csv
import io
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from django.db.models import Q

from accounts import money
from payouts.models import Payout


@dataclass
class ReconciliationReport:
    matched: list[str] = field(default_factory=list)
    missing_ours: list[str] = field(default_factory=list)  # in the report, not with us
    missing_theirs: list[str] = field(default_factory=list)  # paid by us, not in the report
    mismatched: list[str] = field(default_factory=list)  # amount or status differs
    errors: list[str] = field(default_factory=list)  # rows that cannot be read

    @property
    def clean(self) -> bool:
        return not (self.missing_ours or self.missing_theirs or self.mismatched or self.errors)

    def lines(self) -> list[str]:
        out = [
            f"matched: {len(self.matched)}",
            f"missing on our side: {len(self.missing_ours)}",
            f"missing on theirs: {len(self.missing_theirs)}",
            f"mismatches: {len(self.mismatched)}",
            f"unreadable rows: {len(self.errors)}",
        ]
        for title, items in (
            ("missing on our side", self.missing_ours),
            ("missing on theirs", self.missing_theirs),
            ("mismatch", self.mismatched),
            ("unreadable", self.errors),
        ):
            out += [f"{title}: {item}" for item in items]
        return out


def _find(reference: str) -> Payout | None:
    query = Q(provider_reference=reference)
    try:
        import uuid

        query |= Q(pk=uuid.UUID(reference))
    except ValueError:
        pass
    return Payout.objects.filter(query).first()


def reconcile(text: str) -> ReconciliationReport:
    report = ReconciliationReport()
    reader = csv.DictReader(io.StringIO(text))
    needed = {"reference", "amount", "status"}
    if not reader.fieldnames or not needed <= {f.strip() for f in reader.fieldnames}:
        report.errors.append("the header must name reference, amount and status")
        return report
    seen: set = set()
    dates: list[date] = []
    for number, row in enumerate(reader, start=2):
        row = {(k or "").strip(): (v or "").strip() for k, v in row.items()}
        reference = row["reference"]
        try:
            amount = money.quantize(Decimal(row["amount"]))
            if row.get("date"):
                dates.append(date.fromisoformat(row["date"]))
        except (InvalidOperation, ValueError):
            report.errors.append(f"line {number}: amount or date cannot be read")
            continue
        status = row["status"].lower()
        payout = _find(reference)
        if payout is None:
            report.missing_ours.append(f"{reference} {amount} {status}")
            continue
        seen.add(payout.pk)
        if payout.amount != amount or payout.status != status:
            report.mismatched.append(
                f"{reference}: theirs {amount} {status}, ours {payout.amount} {payout.status}"
            )
        else:
            report.matched.append(reference)
    ours = Payout.objects.filter(status=Payout.Status.PAID)
    if dates:
        ours = ours.filter(settled_at__date__gte=min(dates), settled_at__date__lte=max(dates))
    for payout in ours.exclude(pk__in=seen).order_by("settled_at"):
        report.missing_theirs.append(
            f"{payout.provider_reference or payout.pk} {payout.amount} paid"
        )
    return report
