"""README's "Staff roles" tables are the permission table of staff/roles.py."""

import re
from pathlib import Path

from staff.roles import readme_table

README = Path(__file__).resolve().parents[2] / "README.md"


def test_readme_staff_roles_table_matches_the_permission_table():
    text = README.read_text()
    match = re.search(
        r"<!-- staff-roles:start[^\n]*-->\n(.*?)\n<!-- staff-roles:end -->", text, re.S
    )

    assert match, "README lost its generated Staff roles table"
    assert match.group(1) == readme_table(), (
        "README's Staff roles table is out of date: paste staff.roles.readme_table()"
    )


def test_readme_lists_the_staff_settings():
    text = README.read_text()
    assert "| `FOUR_EYES` |" in text
    assert "| `WALLET_ADJUSTMENT_MAX` |" in text
