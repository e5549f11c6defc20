"""Payouts by bank file (PAYOUT_GATEWAY=bankfile): ISO 20022 out, ISO 20022 back.

No provider API: the institution's own bank pays. A payout handed to this
gateway waits (`processing`, its end-to-end id set) for the next batch; finance
exports the waiting payouts as one pain.001.001.03 credit-transfer file
(payouts.services.payout_batch_export, the `export_payout_batch` command or
the admin), uploads it to the bank, and later imports the bank's camt.054
(or camt.053) statement, which says per end-to-end id what was booked and what
came back (payouts.services.bank_statement_import).

The end-to-end id of a payout is its id's 32 hex digits: ISO 20022 allows 35
characters, and it comes back unchanged in the bank's statement.

This module is pure: it builds and reads documents and writes nothing.
"""

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, ClassVar

from defusedxml import DefusedXmlException
from defusedxml import ElementTree as defused_et
from django.conf import settings
from django.core.exceptions import ValidationError
from sepaxml import SepaTransfer

from accounts import money
from payouts.gateways import PayoutWebhookEvent, SendResult, WebhookRejected

if TYPE_CHECKING:
    from django.http import HttpRequest

    from payouts.models import Payout

SCHEMA = "pain.001.001.03"
STATEMENT_MAX_BYTES = 10 * 1024 * 1024


def end_to_end_id(payout: "Payout") -> str:
    return payout.pk.hex


class BankFileGateway:
    """Payouts wait for the next bank file; the bank's statement settles them."""

    name: ClassVar[str] = "bankfile"
    is_sandbox: ClassVar[bool] = False

    def send(self, *, payout: "Payout") -> SendResult:
        return SendResult(status="pending", provider_reference=end_to_end_id(payout))

    def parse_webhook(self, request: "HttpRequest") -> PayoutWebhookEvent:
        raise WebhookRejected("Banks answer with statements, not webhooks.")


# --- pain.001 out ----------------------------------------------------------------------


@dataclass(frozen=True)
class Transfer:
    end_to_end_id: str
    name: str
    iban: str
    amount: Decimal
    description: str


def debtor_problems() -> list[str]:
    """What is missing to make a file (also the system check's findings)."""
    from payouts import iban

    problems = []
    if not settings.BANKFILE_DEBTOR_NAME.strip():
        problems.append("BANKFILE_DEBTOR_NAME (the institution's account holder name) is not set.")
    try:
        iban.validate(settings.BANKFILE_DEBTOR_IBAN)
    except ValidationError:
        problems.append("BANKFILE_DEBTOR_IBAN is not a valid IBAN.")
    bic = settings.BANKFILE_DEBTOR_BIC
    if bic and not re.fullmatch(r"[A-Z]{6}[A-Z2-9][A-NP-Z0-9]([A-Z0-9]{3})?", bic):
        problems.append("BANKFILE_DEBTOR_BIC is not a BIC (8 or 11 letters and digits).")
    return problems


def pain001(transfers: Iterable[Transfer], *, execution_date: date) -> tuple[str, bytes]:
    """One credit-transfer initiation (pain.001.001.03) paying every transfer from
    the institution's account; answers (message id, XML). sepaxml validates the
    document against the schema before it is returned."""
    from payouts import iban

    config = {
        "name": settings.BANKFILE_DEBTOR_NAME,
        "IBAN": iban.compact(settings.BANKFILE_DEBTOR_IBAN),
        "batch": True,
        "currency": money.currency(),
    }
    if settings.BANKFILE_DEBTOR_BIC:
        config["BIC"] = settings.BANKFILE_DEBTOR_BIC
    document = SepaTransfer(config, schema=SCHEMA, clean=True)
    for transfer in transfers:
        cents = money.quantize(transfer.amount).scaleb(2)
        document.add_payment(
            {
                "name": transfer.name,
                "IBAN": transfer.iban,
                "amount": int(cents),
                "execution_date": execution_date,
                "description": transfer.description,
                "endtoend_id": transfer.end_to_end_id,
            }
        )
    return document.msg_id, document.export(validate=True)


# --- camt.053 / camt.054 back ---------------------------------------------------------


@dataclass(frozen=True)
class StatementLine:
    end_to_end_id: str
    amount: Decimal | None
    paid: bool  # False: the transfer came back (returned, rejected, reversed)
    reason: str = ""


class StatementUnreadable(ValidationError):
    pass


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _child(element: ET.Element | None, *names: str) -> ET.Element | None:
    """The first descendant down the path of local names, whatever the namespace
    (camt.053.001.02 to .08 and camt.054 differ only in it)."""
    for name in names:
        if element is None:
            return None
        element = next((c for c in element if _local(c.tag) == name), None)
    return element


def _text(element: ET.Element | None, *names: str) -> str:
    found = _child(element, *names)
    return (found.text or "").strip() if found is not None else ""


def _amount(element: ET.Element | None, *names: str) -> Decimal | None:
    value = _text(element, *names)
    if not value:
        return None
    try:
        return money.quantize(Decimal(value))
    except InvalidOperation:
        raise StatementUnreadable(f"The amount {value[:40]!r} cannot be read.") from None


def camt_lines(document: bytes) -> list[StatementLine]:
    """Every transaction of a camt.053/camt.054 statement that carries an
    end-to-end id and is booked. A booked debit is a transfer paid; a credit
    carrying our end-to-end id, an entry marked reversed, or transaction details
    with return information (RtrInf) is a transfer that came back. Pending
    entries are not final and are left out."""
    if len(document) > STATEMENT_MAX_BYTES:
        raise StatementUnreadable("The statement is larger than 10 MB.")
    try:
        root = defused_et.fromstring(document, forbid_dtd=True)
    except DefusedXmlException:
        raise StatementUnreadable("A statement never declares a DOCTYPE or entities.") from None
    except ET.ParseError as exc:
        raise StatementUnreadable(f"The statement is not XML: {exc}") from None
    if _local(root.tag) != "Document":
        raise StatementUnreadable("The statement is not an ISO 20022 document.")
    lines: list[StatementLine] = []
    for entry in root.iter():
        if _local(entry.tag) != "Ntry":
            continue
        status = _text(entry, "Sts", "Cd") or _text(entry, "Sts")
        if status != "BOOK":
            continue
        credit = _text(entry, "CdtDbtInd") == "CRDT"
        reversed_ = _text(entry, "RvslInd").lower() == "true"
        details = [
            tx
            for batch in entry
            if _local(batch.tag) == "NtryDtls"
            for tx in batch
            if _local(tx.tag) == "TxDtls"
        ]
        single = len(details) == 1
        for tx in details:
            e2e = _text(tx, "Refs", "EndToEndId")
            if not e2e or e2e == "NOTPROVIDED":
                continue
            amount = (
                _amount(tx, "Amt")
                or _amount(tx, "AmtDtls", "TxAmt", "Amt")
                or (_amount(entry, "Amt") if single else None)
            )
            returned = _child(tx, "RtrInf")
            came_back = credit or reversed_ or returned is not None
            reason = ""
            if came_back:
                code = _text(returned, "Rsn", "Cd") if returned is not None else ""
                info = _text(returned, "AddtlInf") if returned is not None else ""
                reason = "returned by the bank" + (f" ({code})" if code else "")
                if info:
                    reason += f": {info}"
            lines.append(
                StatementLine(
                    end_to_end_id=e2e, amount=amount, paid=not came_back, reason=reason[:200]
                )
            )
    return lines
