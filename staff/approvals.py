"""The registry of approval kinds: how each app plugs an action into four-eyes.

An app registers each of its kinds once, in its AppConfig.ready():

    from staff.approvals import register_kind

    register_kind(
        "loan_disbursement",
        execute=_disburse,                 # (approval, *, by) -> anything
        checker_perm="staff.approve_loan_disbursement",
        subject_of=lambda approval: {Loan.objects.get(pk=approval.subject_id).borrower_id},
    )

and its service asks instead of acting:

    outcome = approval_request(kind="loan_disbursement", requested_by=by, subject=loan,
                               amount=loan.principal_amount, params={}, reason="...")
    if outcome.approval is not None:   # four-eyes: answer 202 {"approval": ...}
        ...
    else:                              # not in FOUR_EYES: done already, outcome.result
        ...

`execute(approval, *, by)` performs the action with the stored request
(`approval.subject_id`, `.amount`, `.params`, `.requested_by`); `by` is who
approved it (the requester themselves when the kind is not in FOUR_EYES, and
then `approval` is not saved). It runs inside the approver's transaction with
the approval row locked, must not commit on its own, and refuses with a
DomainError (or Django's ValidationError) when its rules fail now: the
approval then stays pending and that error is the answer.

`on_reject(approval, *, by)` (optional) undoes what asking already did, in the
rejecter's transaction: a withdrawal holds its money in transit from the moment
it is asked, and a rejection gives it back.

`subject_of(approval)` names the users whose own thing the subject is (the
wallet's owner, the borrower...): none of them may request, approve or reject
it (403 conflict_of_interest).
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from staff.roles import APPROVAL_KINDS, PERMISSIONS

Executor = Callable[..., Any]
SubjectOwners = Callable[[Any], Iterable[Any]]


@dataclass(frozen=True)
class ApprovalKind:
    name: str
    execute: Executor
    checker_perm: str
    subject_of: SubjectOwners
    describe: Callable[[Any], str] | None = None
    on_reject: Executor | None = None


_REGISTRY: dict[str, ApprovalKind] = {}


def _nobody(approval: Any) -> Iterable[Any]:
    return ()


def register_kind(
    kind: str,
    *,
    execute: Executor,
    checker_perm: str,
    subject_of: SubjectOwners = _nobody,
    describe: Callable[[Any], str] | None = None,
    on_reject: Executor | None = None,
) -> ApprovalKind:
    """Register (or, on a module reload, replace) the executor of one kind."""
    if kind not in APPROVAL_KINDS:
        raise ValueError(f"Unknown approval kind {kind!r}; the kinds are {APPROVAL_KINDS}.")
    app_label, _, codename = checker_perm.partition(".")
    if app_label != "staff" or codename not in PERMISSIONS:
        raise ValueError(f"{checker_perm!r} is not a permission of staff/roles.py.")
    registered = ApprovalKind(kind, execute, checker_perm, subject_of, describe, on_reject)
    _REGISTRY[kind] = registered
    return registered


def kind_get(kind: str) -> ApprovalKind:
    try:
        return _REGISTRY[kind]
    except KeyError:
        raise LookupError(f"No executor is registered for approval kind {kind!r}.") from None


def registered_kinds() -> list[str]:
    return sorted(_REGISTRY)
