"""Previous/next pagination for the HTML pages, without a COUNT query.

Django's Paginator counts every row of the list on every request so it can
print "page 2 of 7". The pages here (a wallet's history, my zakat records, my
donations, the campaign list) only ever step to the previous or next page, so
they fetch one row more than they show to know whether a next page exists: one
query per page whatever the list's length, as the API's cursor pagination
(docs/benchmarks.md). A page number past the end shows an empty page with a
link back.

    page_obj = page_of(selectors.wallet_entry_list(user=user), request.GET.get("page"), 20)

The object has the parts of Django's `Page` the templates use
(`partials/_pagination.html`): iteration, `object_list`, `number`,
`has_previous`/`has_next`/`has_other_pages` and the page numbers.
"""

from collections.abc import Iterator
from typing import Any

from django.db.models import QuerySet

# A page number beyond this is treated as this one: the OFFSET of a deeper page
# would make the database walk past millions of rows on one request.
MAX_PAGE = 10_000


class Page:
    def __init__(self, object_list: list[Any], number: int, has_next: bool) -> None:
        self.object_list = object_list
        self.number = number
        self._has_next = has_next

    def __iter__(self) -> Iterator[Any]:
        return iter(self.object_list)

    def __len__(self) -> int:
        return len(self.object_list)

    def has_next(self) -> bool:
        return self._has_next

    def has_previous(self) -> bool:
        return self.number > 1

    def has_other_pages(self) -> bool:
        return self.has_previous() or self.has_next()

    def next_page_number(self) -> int:
        return self.number + 1

    def previous_page_number(self) -> int:
        return self.number - 1


def page_number(raw: Any) -> int:
    """The requested page: a positive whole number, else 1 (as Paginator.get_page)."""
    try:
        number = int(str(raw))
    except (TypeError, ValueError):
        return 1
    return min(max(number, 1), MAX_PAGE)


def page_of(queryset: QuerySet, raw_number: Any, per_page: int) -> Page:
    """One page of an ordered queryset, fetched in one query (per_page + 1 rows)."""
    number = page_number(raw_number)
    start = (number - 1) * per_page
    rows = list(queryset[start : start + per_page + 1])
    return Page(rows[:per_page], number, has_next=len(rows) > per_page)
