"""Writing the audit trail."""

import ipaddress
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.db import models, transaction
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from config.logging import client_address_var, request_id_var
from staff.models import REASON_MAX_LENGTH, AuditEvent


def subject_label(subject: models.Model) -> str:
    """How a subject is named in the trail: its model's label, e.g. "loans.loan"."""
    return subject._meta.label_lower


def audit_record(
    *,
    actor: User | None,
    action: str,
    subject: models.Model | None = None,
    subject_type: str = "",
    subject_id: Any = "",
    changes: Mapping[str, Any] | None = None,
    reason: str = "",
) -> AuditEvent:
    """Append one event to the audit trail.

    Call it INSIDE the transaction of the write it describes (the caller's
    `transaction.atomic()`), so the event and the write commit or vanish
    together: a trail that says something happened when it did not, or misses
    what did, is worse than none. It refuses to run outside a transaction.

    `subject` (a model instance) fills `subject_type`/`subject_id`; pass those
    two directly for something that is not a row. `changes` is
    `{"field": [before, after]}` for edits, or the facts of an action
    (`{"amount": "10.00"}`). The request id and the client's address come from
    the request being served (config.logging), empty outside one."""
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        raise RuntimeError(
            _("audit_record must run inside the transaction of the write it records.")
        )
    if subject is not None:
        subject_type = subject_type or subject_label(subject)
        subject_id = subject_id or subject.pk
    request_id = request_id_var.get()
    return AuditEvent.objects.create(
        actor=actor if actor is not None and getattr(actor, "pk", None) else None,
        action=action,
        subject_type=subject_type[:64],
        subject_id=str(subject_id or "")[:64],
        request_id="" if request_id == "-" else request_id[:128],
        client_address=_address(client_address_var.get()),
        changes=_jsonable(dict(changes or {})),
        reason=(reason or "")[:REASON_MAX_LENGTH],
    )


def audit_request_context() -> tuple[str, str | None]:
    """The request id and client address an event written now records, as
    `audit_record` fills them (for writers that insert the row themselves, such
    as the ledger's one-round-trip posting)."""
    request_id = request_id_var.get()
    return ("" if request_id == "-" else request_id[:128]), _address(client_address_var.get())


def _address(raw: str) -> str | None:
    try:
        return str(ipaddress.ip_address(raw.strip()))
    except ValueError:
        return None


def _jsonable(value: Any) -> Any:
    """Model instances become their primary keys, money a string, sets lists."""
    if isinstance(value, models.Model):
        return str(value.pk)
    if isinstance(value, Mapping):
        return {str(key): _jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset | models.QuerySet):
        return [_jsonable(item) for item in value]
    if isinstance(value, Decimal):
        return str(value)
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)
