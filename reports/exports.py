"""Report files: the general journal as streamed CSV or a workbook, and any report
table as CSV (config.csv_export makes both safe to open in a spreadsheet)."""

from datetime import date

from django.http import HttpResponse

from config.csv_export import csv_stream_response, xlsx_response
from reports import selectors


def journal(*, date_from: date, date_to: date, fmt: str = "csv") -> HttpResponse:
    name = f"journal-{date_from.isoformat()}-{date_to.isoformat()}"
    rows = selectors.journal_rows(date_from=date_from, date_to=date_to)
    if fmt == "xlsx":
        return xlsx_response(f"{name}.xlsx", selectors.JOURNAL_HEADER, rows)
    return csv_stream_response(f"{name}.csv", selectors.JOURNAL_HEADER, rows)
