"""IBAN checks and masking: pure functions over strings, on python-stdnum's registry.

Checked in the order a person can act on: the country is one that uses IBANs,
the length and shape are that country's, then the ISO 7064 mod 97-10 checksum.
Messages never repeat the number (it would land in logs and API bodies).
"""

import re

from django.core.exceptions import ValidationError
from stdnum import iban as stdnum_iban
from stdnum.exceptions import ValidationError as StdnumError

_SHAPE = re.compile(r"^[A-Z]{2}[0-9]{2}[A-Z0-9]{1,30}$")


def compact(value: str) -> str:
    return stdnum_iban.compact(value or "")


def validate(value: str, *, field: str = "iban") -> str:
    """The IBAN in compact form, or a ValidationError naming `field`."""
    number = compact(value)
    if not _SHAPE.match(number):
        raise ValidationError(
            {field: ["Enter an IBAN: two letters, two check digits, then the account."]}
        )
    info = stdnum_iban._ibandb.info(number)
    country = info[0][1] if info else None
    if not country:
        raise ValidationError({field: [f"{number[:2]} is not a country that uses IBANs."]})
    structure = stdnum_iban._struct_to_re(country.get("bban", ""))
    if not structure.match(number[4:]):
        raise ValidationError(
            {field: [f"This is not the length or shape of an IBAN from {number[:2]}."]}
        )
    try:
        return stdnum_iban.validate(number)
    except StdnumError:
        raise ValidationError(
            {field: ["The IBAN's check digits do not match: please check for a typo."]}
        ) from None


def mask(country: str, last4: str) -> str:
    """What people see of an IBAN: its country and last four characters."""
    return f"{country}** **** **** {last4}"
