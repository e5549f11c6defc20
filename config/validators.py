"""One rule for text: no control characters in single-line fields.

A campaign name with CR/LF was accepted and then broke every receipt e-mail of
that campaign (a header may not contain a newline). Single-line text (names,
titles, purposes, labels) refuses every control character: C0 (tab and
newlines included), DEL, C1 and the Unicode line and paragraph separators.
Multi-line text (descriptions, messages, reasons) keeps tab and newlines and
refuses the rest. Applied by default:

- every model CharField of the project (config.apps, at start-up), so admin and
  model forms and `full_clean` refuse it;
- every CharField of an API input serializer (config.api.serializers), multi-line
  for the field names in MULTILINE_FIELD_NAMES;
- the page forms' single-line fields (`validators=[single_line]`).

E-mail subjects are built with `email_subject`, which collapses any whitespace
and drops control characters, so even old data cannot break a header.
"""

import re

from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible

_SINGLE_LINE_FORBIDDEN = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_MULTI_LINE_FORBIDDEN = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029]")

# Text fields (API inputs and model CharFields) under these names are multi-line.
MULTILINE_FIELD_NAMES = frozenset(
    {"description", "message", "body", "reason", "note", "memo", "purpose"}
)


@deconstructible
class NoControlCharacters:
    def __init__(self, *, multiline: bool = False) -> None:
        self.multiline = multiline

    def __call__(self, value: object) -> None:
        pattern = _MULTI_LINE_FORBIDDEN if self.multiline else _SINGLE_LINE_FORBIDDEN
        if isinstance(value, str) and pattern.search(value):
            raise ValidationError(
                "Line breaks and other control characters are not allowed here."
                if not self.multiline
                else "Control characters are not allowed here.",
                code="control_characters",
            )

    def __eq__(self, other: object) -> bool:
        return isinstance(other, NoControlCharacters) and other.multiline == self.multiline

    def __hash__(self) -> int:
        return hash(("NoControlCharacters", self.multiline))


single_line = NoControlCharacters()
multi_line = NoControlCharacters(multiline=True)

_WHITESPACE_OR_CONTROL = re.compile(r"[\s\x00-\x1f\x7f-\x9f\u2028\u2029]+")


def email_subject(text: str, *, max_length: int = 150) -> str:
    """A safe one-line subject: whitespace and control characters collapse to
    one space, the ends are trimmed, and it is cut to `max_length`."""
    return _WHITESPACE_OR_CONTROL.sub(" ", text).strip()[:max_length].rstrip()
