"""`{{ some_date|hijri }}`: the Umm al-Qura Hijri date beside a Gregorian one.

"5 Jumada al-Akhirah 1448 AH" in English, "5 جمادى الآخرة 1448 هـ" in Arabic; a
datetime counts by its local date; empty for no date or one outside the Umm
al-Qura table (1343-1500 AH). Used where dates matter for worship and money:
zakat records and the hawl, receipts, loan schedules, the fitr deadline.
"""

from datetime import date

from django import template

from zakat.dates import hijri_label

register = template.Library()


@register.filter
def hijri(value: date | None) -> str:
    if not isinstance(value, date):
        return ""
    return hijri_label(value)
