"""Gregorian dates shown beside their Hijri (Umm al-Qura) equivalent."""

from datetime import date

import hijridate


def hijri_label(day: date) -> str:
    """e.g. "5 Jumada al-Akhirah 1448 AH"; an empty string outside the Umm al-Qura
    table's range (1343-1500 AH), where no reliable date can be given."""
    try:
        hijri = hijridate.Gregorian(day.year, day.month, day.day).to_hijri()
    except (OverflowError, ValueError):
        return ""
    return f"{hijri.day} {hijri.month_name()} {hijri.year} AH"


def hijri_iso(day: date) -> str:
    """The Umm al-Qura Hijri date as YYYY-MM-DD (e.g. "1448-06-05"); an empty string
    outside the table's range."""
    try:
        return hijridate.Gregorian(day.year, day.month, day.day).to_hijri().isoformat()
    except (OverflowError, ValueError):
        return ""
