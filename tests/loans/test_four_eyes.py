"""Four-eyes on the financing outflows: disbursement (`loan_disbursement`), write-off
(`write_off`, loans and contracts), murabaha purchase (`murabaha_purchase`) and
rebate (`rebate`).

The endpoint asks (202 with the approval) and nothing moves; a second person
holding the checker permission (finance) approves and the move happens once.
With the kind left out of FOUR_EYES the endpoint moves at once (200)."""

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from accounts import selectors as account_selectors
from accounts.models import LedgerTransaction
from config.errors import ConflictOfInterest
from loans import services
from loans.models import Loan, MurabahaContract
from staff.models import Approval, AuditEvent
from tests.concurrency import run_together
from tests.factories import UserFactory
from tests.loans.factories import (
    active_contract,
    active_loan,
    pending_loan,
    purchase,
    purchase_body,
    requested_contract,
)
from tests.staff.factories import staff_with

LOANS = "/api/v1/qard-hasan/loans"
CONTRACTS = "/api/v1/murabaha/contracts"
APPROVALS = "/api/v1/approvals"


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@dataclass(frozen=True)
class Move:
    kind: str
    make: Callable  # (owner, officer) -> the loan or contract, ready for the move
    path: str  # "{LOANS}/{pk}/disburse"
    before: str
    after: str
    ledger_kind: str
    amount: Callable  # subject -> the approval's amount
    subject_type: str
    audit_action: str
    body: Callable = dict  # () -> the request's JSON body

    def url(self, subject) -> str:
        return self.path.format(pk=subject.pk)

    def reload(self, subject):
        return type(subject).objects.get(pk=subject.pk)


def _approved_loan(owner, officer) -> Loan:
    loan = pending_loan(owner, principal="900.00", months=3)
    return services.loan_approve(loan=loan, by=officer)


MOVES = [
    Move(
        "loan_disbursement",
        _approved_loan,
        LOANS + "/{pk}/disburse",
        "approved",
        "active",
        LedgerTransaction.Kind.LOAN_DISBURSEMENT,
        lambda loan: loan.principal_amount,
        "loans.loan",
        "loan.disbursed",
    ),
    Move(
        "write_off",
        lambda owner, officer: active_loan(owner, principal="600.00", months=3, staff=officer),
        LOANS + "/{pk}/mark-defaulted",
        "active",
        "defaulted",
        LedgerTransaction.Kind.WRITE_OFF,
        lambda loan: loan.remaining_balance,
        "loans.loan",
        "loan.defaulted",
    ),
    Move(
        "murabaha_purchase",
        lambda owner, officer: requested_contract(owner),
        CONTRACTS + "/{pk}/acquire",
        "requested",
        "asset_acquired",
        LedgerTransaction.Kind.MURABAHA_PAYMENT,
        lambda contract: contract.cost_price,
        "loans.murabahacontract",
        "murabaha.acquired",
        purchase_body,
    ),
    Move(
        "write_off",
        lambda owner, officer: active_contract(owner),
        CONTRACTS + "/{pk}/mark-defaulted",
        "active",
        "defaulted",
        LedgerTransaction.Kind.WRITE_OFF,
        lambda contract: contract.remaining_balance,
        "loans.murabahacontract",
        "murabaha.defaulted",
    ),
    Move(
        "rebate",
        lambda owner, officer: active_contract(owner),
        CONTRACTS + "/{pk}/rebate",
        "active",
        "active",
        LedgerTransaction.Kind.MURABAHA_PAYMENT,
        lambda contract: Decimal("20.00"),
        "loans.murabahacontract",
        "murabaha.rebated",
        lambda: {"amount": "20.00"},
    ),
]


@pytest.fixture
def people(db):
    return {
        "owner": UserFactory(),
        "officer": staff_with("loan_officer"),
        "finance": staff_with("finance"),
    }


def _ledger(kind: str) -> int:
    return LedgerTransaction.objects.filter(kind=kind).count()


@pytest.mark.django_db
@pytest.mark.parametrize("move", MOVES, ids=lambda m: m.kind)
class TestAskThenApprove:
    def test_asking_answers_202_and_moves_nothing(self, move, people):
        subject = move.make(people["owner"], people["officer"])
        ledger = _ledger(move.ledger_kind)

        response = client_for(people["officer"]).post(move.url(subject), move.body(), format="json")

        assert response.status_code == 202, response.content
        approval = response.json()["approval"]
        assert set(response.json()) == {"approval"}
        assert (approval["kind"], approval["status"]) == (move.kind, "pending")
        assert Decimal(approval["amount"]) == move.amount(subject)
        assert (approval["subject_type"], approval["subject_id"]) == (
            move.subject_type,
            str(subject.pk),
        )
        assert approval["requested_by"]["id"] == str(people["officer"].pk)
        assert approval["decided_by"] is None
        assert move.reload(subject).status == move.before
        assert _ledger(move.ledger_kind) == ledger
        assert not AuditEvent.objects.filter(action=move.audit_action).exists()
        assert AuditEvent.objects.filter(
            action="approval.requested", subject_id=str(subject.pk)
        ).exists()

    def test_the_requester_cannot_approve_their_own_request(self, move, people):
        # Even holding the checker permission too, the requester is not a second person.
        both = staff_with("loan_officer", "finance")
        subject = move.make(people["owner"], people["officer"])
        approval = (
            client_for(both).post(move.url(subject), move.body(), format="json").json()["approval"]
        )

        response = client_for(both).post(f"{APPROVALS}/{approval['id']}/approve")

        assert (response.status_code, response.json()["error"]) == (403, "four_eyes_required")
        assert Approval.objects.get(pk=approval["id"]).status == "pending"

    def test_a_second_person_from_finance_executes_it_once(self, move, people):
        subject = move.make(people["owner"], people["officer"])
        ledger = _ledger(move.ledger_kind)
        approval = (
            client_for(people["officer"])
            .post(move.url(subject), move.body(), format="json")
            .json()["approval"]
        )
        checker = client_for(people["finance"])

        response = checker.post(f"{APPROVALS}/{approval['id']}/approve")

        assert response.status_code == 200, response.content
        body = response.json()
        assert (body["status"], body["decided_by"]["id"]) == ("executed", str(people["finance"].pk))
        assert move.reload(subject).status == move.after
        assert _ledger(move.ledger_kind) == ledger + 1
        again = checker.post(f"{APPROVALS}/{approval['id']}/approve")
        assert (again.status_code, again.json()["error"]) == (400, "approval_not_pending")
        assert _ledger(move.ledger_kind) == ledger + 1
        # The move names the requester (who decided it, as the ledger does) and the approver.
        event = AuditEvent.objects.get(action=move.audit_action, subject_id=str(subject.pk))
        assert event.actor_id == people["officer"].pk
        assert event.changes["status"] == [move.before, move.after]
        assert event.changes["approved_by"] == str(people["finance"].pk)
        assert Decimal(event.changes["amount"]) == Decimal(approval["amount"])

    def test_someone_without_the_checker_permission_cannot_approve(self, move, people):
        subject = move.make(people["owner"], people["officer"])
        approval = (
            client_for(people["officer"])
            .post(move.url(subject), move.body(), format="json")
            .json()["approval"]
        )
        colleague = client_for(staff_with("loan_officer"))

        response = colleague.post(f"{APPROVALS}/{approval['id']}/approve")

        assert response.status_code == 403
        assert move.reload(subject).status == move.before

    def test_the_owner_cannot_ask_or_approve_as_staff(self, move, people):
        owner = staff_with("loan_officer", "finance")
        subject = move.make(owner, people["officer"])

        asked = client_for(owner).post(move.url(subject), move.body(), format="json")
        assert (asked.status_code, asked.json()["error"]) == (403, "conflict_of_interest")

        approval = (
            client_for(people["officer"])
            .post(move.url(subject), move.body(), format="json")
            .json()["approval"]
        )
        approved = client_for(owner).post(f"{APPROVALS}/{approval['id']}/approve")
        assert (approved.status_code, approved.json()["error"]) == (403, "conflict_of_interest")
        rejected = client_for(owner).post(
            f"{APPROVALS}/{approval['id']}/reject", {"reason": "Mine"}, format="json"
        )
        assert (rejected.status_code, rejected.json()["error"]) == (403, "conflict_of_interest")
        assert move.reload(subject).status == move.before
        assert Approval.objects.get(pk=approval["id"]).status == "pending"

    def test_rejection_moves_nothing(self, move, people):
        subject = move.make(people["owner"], people["officer"])
        ledger = _ledger(move.ledger_kind)
        approval = (
            client_for(people["officer"])
            .post(move.url(subject), move.body(), format="json")
            .json()["approval"]
        )

        response = client_for(people["finance"]).post(
            f"{APPROVALS}/{approval['id']}/reject", {"reason": "Not yet"}, format="json"
        )

        assert response.json()["status"] == "rejected"
        assert move.reload(subject).status == move.before
        assert _ledger(move.ledger_kind) == ledger
        assert not AuditEvent.objects.filter(action=move.audit_action).exists()
        # Rejected, it may be asked for again.
        assert (
            client_for(people["officer"])
            .post(move.url(subject), move.body(), format="json")
            .status_code
            == 202
        )

    def test_a_second_request_while_one_is_pending_is_refused(self, move, people):
        subject = move.make(people["owner"], people["officer"])
        client_for(people["officer"]).post(move.url(subject), move.body(), format="json")

        again = client_for(staff_with("loan_officer")).post(
            move.url(subject), move.body(), format="json"
        )

        assert (again.status_code, again.json()["error"]) == (400, "approval_pending")
        assert Approval.objects.filter(kind=move.kind, subject_id=str(subject.pk)).count() == 1

    def test_without_the_kind_in_four_eyes_it_is_one_step(self, move, people, settings):
        settings.FOUR_EYES = [kind for kind in settings.FOUR_EYES if kind != move.kind]
        subject = move.make(people["owner"], people["officer"])
        ledger = _ledger(move.ledger_kind)

        response = client_for(people["officer"]).post(move.url(subject), move.body(), format="json")

        assert response.status_code == 200, response.content
        assert response.json()["id"] == str(subject.pk)
        assert response.json()["status"] == move.after
        assert _ledger(move.ledger_kind) == ledger + 1
        assert not Approval.objects.filter(kind=move.kind).exists()
        event = AuditEvent.objects.get(action=move.audit_action, subject_id=str(subject.pk))
        assert event.actor_id == people["officer"].pk
        assert "approved_by" not in event.changes


@pytest.mark.django_db
def test_a_move_the_lifecycle_refuses_is_refused_when_asked(people):
    loan = pending_loan(people["owner"])
    officer = client_for(people["officer"])
    for path in ("disburse", "mark-defaulted"):
        response = officer.post(f"{LOANS}/{loan.pk}/{path}")
        assert (response.status_code, response.json()["error"]) == (400, "invalid_transition")
    contract = requested_contract(people["owner"])
    services.murabaha_cancel(contract=contract, by=people["owner"])
    response = officer.post(f"{CONTRACTS}/{contract.pk}/acquire", purchase_body(), format="json")
    assert (response.status_code, response.json()["error"]) == (400, "invalid_transition")
    assert not Approval.objects.exists()


@pytest.mark.django_db
def test_approving_after_the_loan_moved_on_fails_and_stays_pending(people):
    loan = _approved_loan(people["owner"], people["officer"])
    approval = services.loan_disburse_request(loan=loan, by=people["officer"]).approval
    services.loan_reject(loan=loan, by=people["officer"], reason="Withdrawn by the borrower")

    response = client_for(people["finance"]).post(f"{APPROVALS}/{approval.pk}/approve")

    assert (response.status_code, response.json()["error"]) == (400, "invalid_transition")
    approval.refresh_from_db()
    assert approval.status == "pending"
    assert not LedgerTransaction.objects.filter(kind="loan_disbursement").exists()


@pytest.mark.django_db
def test_a_requester_who_lost_the_role_cannot_have_it_executed(people):
    loan = _approved_loan(people["owner"], people["officer"])
    approval = services.loan_disburse_request(loan=loan, by=people["officer"]).approval
    people["officer"].groups.clear()

    response = client_for(people["finance"]).post(f"{APPROVALS}/{approval.pk}/approve")

    assert response.status_code == 403
    assert Loan.objects.get(pk=loan.pk).status == "approved"
    approval.refresh_from_db()
    assert approval.status == "pending"


@pytest.mark.django_db
def test_the_disbursed_money_reaches_the_wallet_once(people):
    loan = _approved_loan(people["owner"], people["officer"])
    approval = services.loan_disburse_request(loan=loan, by=people["officer"]).approval
    client_for(people["finance"]).post(f"{APPROVALS}/{approval.pk}/approve")
    loan.refresh_from_db()
    assert account_selectors.wallet_for(user=people["owner"]).balance == Decimal("900.00")
    assert loan.disbursed_by_id == people["officer"].pk  # the requester, as the ledger says
    assert LedgerTransaction.objects.get(kind="loan_disbursement").created_by_id == (
        people["officer"].pk
    )


# --- The audit trail of the other staff moves ------------------------------------------


@pytest.mark.django_db
def test_every_loans_staff_move_is_audited(people):
    owner, officer = people["owner"], people["officer"]
    loan = pending_loan(owner)
    services.loan_approve(loan=loan, by=officer)
    rejected = pending_loan(owner)
    services.loan_reject(loan=rejected, by=officer, reason="Incomplete")
    active = active_loan(owner, principal="300.00", months=3, staff=staff_with("loan_officer"))
    services.loan_repay(loan=active, amount=Decimal("100.00"), by=officer, source="external")
    contract = requested_contract(owner)
    services.murabaha_acquire(contract=contract, by=officer, **purchase())
    services.murabaha_offer(contract=contract, markup_amount=Decimal("50.00"), by=officer)
    services.murabaha_cancel(contract=contract, by=officer)
    mine = requested_contract(owner)
    services.murabaha_cancel(contract=mine, by=owner)  # the customer's own act: not staff

    def event(action, subject):
        return AuditEvent.objects.get(action=action, subject_id=str(subject.pk))

    assert event("loan.approved", loan).changes["status"] == ["pending", "approved"]
    assert event("loan.approved", loan).actor_id == officer.pk
    assert event("loan.rejected", rejected).reason == "Incomplete"
    recorded = event("loan.payment_recorded", active)
    assert (recorded.changes["amount"], recorded.changes["source"]) == ("100.00", "external")
    assert event("murabaha.offered", contract).changes["status"] == ["asset_acquired", "offered"]
    assert event("murabaha.cancelled", contract).changes["status"] == ["offered", "cancelled"]
    assert not AuditEvent.objects.filter(action="murabaha.cancelled", subject_id=str(mine.pk))
    assert event("loan.approved", loan).subject_type == "loans.loan"
    assert event("murabaha.offered", contract).subject_type == "loans.murabahacontract"


@pytest.mark.django_db
def test_a_refused_move_leaves_no_audit_event(people):
    borrower = staff_with("loan_officer")
    loan = _approved_loan(borrower, people["officer"])
    with pytest.raises(ConflictOfInterest):  # the borrower's own loan
        services.loan_disburse(loan=loan, by=borrower)
    assert not AuditEvent.objects.filter(action="loan.disbursed").exists()
    assert Loan.objects.get(pk=loan.pk).status == "approved"


# --- PostgreSQL: concurrent approvers and requesters -------------------------------------
# (the `postgres` mark skips them on SQLite, which runs one writer at a time)

THREADS = 20


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_approvals_disburse_once():
    owner, officer = UserFactory(), staff_with("loan_officer")
    loan = _approved_loan(owner, officer)
    approval = services.loan_disburse_request(loan=loan, by=officer).approval
    clients = [client_for(staff_with("finance")) for _ in range(THREADS)]

    statuses = run_together(
        THREADS, lambda i: clients[i].post(f"{APPROVALS}/{approval.pk}/approve").status_code
    )

    assert sorted(statuses) == [200] + [400] * (THREADS - 1), statuses
    assert Loan.objects.get(pk=loan.pk).status == "active"
    assert LedgerTransaction.objects.filter(kind="loan_disbursement").count() == 1
    assert account_selectors.wallet_for(user=owner).balance == Decimal("900.00")
    assert AuditEvent.objects.filter(action="loan.disbursed").count() == 1
    assert AuditEvent.objects.filter(action="approval.executed").count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_requests_leave_one_pending_approval():
    owner = UserFactory()
    contract = requested_contract(owner)
    clients = [client_for(staff_with("loan_officer")) for _ in range(THREADS)]

    statuses = run_together(
        THREADS,
        lambda i: (
            clients[i]
            .post(f"{CONTRACTS}/{contract.pk}/acquire", purchase_body(), format="json")
            .status_code
        ),
    )

    assert sorted(statuses) == [202] + [400] * (THREADS - 1), statuses
    assert Approval.objects.filter(kind="murabaha_purchase").count() == 1
    assert MurabahaContract.objects.get(pk=contract.pk).status == "requested"
