"""How long a PDF receipt and a yearly statement take to render (giving/pdf.py).

    python bench/pdf_receipts.py [--runs 200]

Pure rendering, no database: fpdf2 builds the document in memory. Prints the
median and p95 per document; the budget for a receipt is 200 ms.
"""

import argparse
import os
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DEBUG", "1")

import django

django.setup()

from giving.pdf import Receipt, StatementRow, receipt_pdf, statement_pdf

BUDGET_MS = 200


def _timed(make, runs: int) -> list[float]:
    make()  # warm: font metrics, imports
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        make()
        times.append((time.perf_counter() - start) * 1000)
    return sorted(times)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=200)
    runs = parser.parse_args().runs
    now = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)
    receipt = Receipt(
        title="Donation receipt",
        number="DN-000042",
        paid_at=now,
        payer_name="Bilal Rahman",
        payer_email="bilal@example.org",
        amount=Decimal("50.00"),
        lines=[("Campaign", "Winter blankets for families"), ("Given as", "Sadaqah")],
        note="Sadaqah, paid into the campaign's fund.",
    )
    rows = [
        StatementRow(now - timedelta(days=i), "Sadaqah", f"Campaign {i}", f"DN-{i:06d}", Decimal(i))
        for i in range(1, 301)
    ]
    results = {
        "receipt": _timed(lambda: receipt_pdf(receipt), runs),
        "statement (300 gifts)": _timed(
            lambda: statement_pdf(year=2026, donor_name="B", donor_email="b@x.org", rows=rows),
            max(20, runs // 10),
        ),
    }
    for name, times in results.items():
        p95 = times[int(len(times) * 0.95) - 1]
        print(f"{name}: median {statistics.median(times):.1f} ms, p95 {p95:.1f} ms")
    receipt_p95 = results["receipt"][int(len(results["receipt"]) * 0.95) - 1]
    return 0 if receipt_p95 < BUDGET_MS else 1


if __name__ == "__main__":
    sys.exit(main())
