"""Gregorian dates shown beside their Hijri (Umm al-Qura) equivalent."""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import hijridate
from django.conf import settings
from django.utils import timezone
from django.utils.translation import get_language


def hijri_label(day: date) -> str:
    """e.g. "5 Jumada al-Akhirah 1448 AH" ("5 جمادى الآخرة 1448 هـ" when Arabic is
    the active language); an empty string outside the Umm al-Qura table's range
    (1343-1500 AH), where no reliable date can be given."""
    if isinstance(day, datetime):
        day = timezone.localtime(day).date() if timezone.is_aware(day) else day.date()
    try:
        hijri = hijridate.Gregorian(day.year, day.month, day.day).to_hijri()
    except (OverflowError, ValueError):
        return ""
    if (get_language() or "").startswith("ar"):
        return f"{hijri.day} {hijri.month_name('ar')} {hijri.year} هـ"
    return f"{hijri.day} {hijri.month_name()} {hijri.year} AH"


def hijri_iso(day: date) -> str:
    """The Umm al-Qura Hijri date as YYYY-MM-DD (e.g. "1448-06-05"); an empty string
    outside the table's range."""
    try:
        return hijridate.Gregorian(day.year, day.month, day.day).to_hijri().isoformat()
    except (OverflowError, ValueError):
        return ""


SHAWWAL = 10


def hijri_year_of(day: date) -> int:
    """The Umm al-Qura Hijri year that `day` falls in."""
    return hijridate.Gregorian(day.year, day.month, day.day).to_hijri().year


def first_of_shawwal(hijri_year: int) -> date:
    """The Gregorian date of 1 Shawwal (Eid al-Fitr) of `hijri_year`, Umm al-Qura.
    ValueError outside the table's range."""
    return hijridate.Hijri(hijri_year, SHAWWAL, 1).to_gregorian()


def fitr_zone() -> ZoneInfo:
    """Where the fitr deadline is counted (FITR_TIME_ZONE, UTC by default)."""
    return ZoneInfo(settings.FITR_TIME_ZONE)


def fitr_today() -> date:
    """Today's date in the fitr time zone."""
    return timezone.localdate(timezone=fitr_zone())


def fitr_deadline(hijri_year: int) -> datetime:
    """The start (00:00 in FITR_TIME_ZONE) of 1 Shawwal: zakat al-fitr is due
    before the Eid prayer, so the last moment that is surely before it, whatever
    the local prayer time, is the start of the day."""
    return datetime.combine(first_of_shawwal(hijri_year), time.min, tzinfo=fitr_zone())
