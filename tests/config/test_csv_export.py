"""Admin CSV downloads never hand a spreadsheet a formula."""

import pytest

from config.csv_export import csv_cell, csv_response


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('=HYPERLINK("http://evil")', '\'=HYPERLINK("http://evil")'),
        ("+1+1", "'+1+1"),
        ("-1+1", "'-1+1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("plain text", "plain text"),
        (None, ""),
        (12, 12),
    ],
)
def test_csv_cell(value, expected):
    assert csv_cell(value) == expected


def test_csv_response_is_an_attachment_with_safe_cells():
    response = csv_response("x.csv", ["a", "b"], [["=1+1", "ok"]])

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="x.csv"'
    assert response.content.decode().splitlines() == ["a,b", "'=1+1,ok"]
