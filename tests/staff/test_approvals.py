"""Four-eyes: request, approve once, reject, and the single-step mode."""

from decimal import Decimal

import pytest

from accounts import selectors as account_selectors
from accounts.models import LedgerTransaction
from config.errors import NotAllowed
from staff import services
from staff.errors import ApprovalNotPending, ConflictOfInterest, FourEyesRequired
from staff.models import Approval, AuditEvent
from tests.staff.conftest import client_for
from tests.staff.factories import staff_with

pytestmark = pytest.mark.django_db


def balance(user) -> Decimal:
    wallet = account_selectors.wallet_for(user=user)
    return wallet.balance if wallet else Decimal("0.00")


def request_adjustment(by, user, amount="25.00", reason="Goodwill credit"):
    return services.wallet_adjustment_request(
        user=user, amount=Decimal(amount), reason=reason, by=by
    )


def test_a_request_waits_and_moves_nothing(finance, donor):
    outcome = request_adjustment(finance, donor)

    assert outcome.pending
    assert outcome.approval.status == Approval.Status.PENDING
    assert balance(donor) == Decimal("100.00")
    assert AuditEvent.objects.filter(action="approval.requested", actor=finance).count() == 1


def test_the_requester_cannot_approve(finance, donor):
    approval = request_adjustment(finance, donor).approval

    with pytest.raises(FourEyesRequired):
        services.approval_approve(approval=approval, by=finance)
    approval.refresh_from_db()
    assert approval.status == Approval.Status.PENDING
    assert balance(donor) == Decimal("100.00")


def test_a_second_finance_person_executes_it_once(finance, finance2, donor):
    approval = request_adjustment(finance, donor).approval

    done = services.approval_approve(approval=approval, by=finance2)

    assert done.status == Approval.Status.EXECUTED
    assert done.decided_by == finance2
    assert balance(donor) == Decimal("125.00")
    with pytest.raises(ApprovalNotPending):
        services.approval_approve(approval=approval, by=finance2)
    assert balance(donor) == Decimal("125.00")
    assert LedgerTransaction.objects.filter(kind="adjustment").count() == 1
    event = AuditEvent.objects.get(action="approval.executed")
    assert event.actor == finance2
    assert event.subject_id == str(donor.pk)
    assert event.changes["status"] == ["pending", "executed"]


def test_a_checker_without_the_checker_permission_is_refused(finance, donor):
    approval = request_adjustment(finance, donor).approval
    officer = staff_with("loan_officer")

    with pytest.raises(NotAllowed):
        services.approval_approve(approval=approval, by=officer)
    assert balance(donor) == Decimal("100.00")


def test_nobody_approves_a_change_to_their_own_wallet(finance, finance2):
    approval = request_adjustment(finance, finance2).approval

    with pytest.raises(ConflictOfInterest):
        services.approval_approve(approval=approval, by=finance2)


def test_rejection_moves_nothing(finance, finance2, donor):
    approval = request_adjustment(finance, donor).approval

    rejected = services.approval_reject(approval=approval, by=finance2, reason="Not owed")

    assert rejected.status == Approval.Status.REJECTED
    assert balance(donor) == Decimal("100.00")
    with pytest.raises(ApprovalNotPending):
        services.approval_approve(approval=approval, by=finance2)
    assert balance(donor) == Decimal("100.00")
    assert AuditEvent.objects.filter(action="approval.rejected", reason="Not owed").count() == 1


def test_the_requester_may_withdraw(finance, donor):
    approval = request_adjustment(finance, donor).approval

    withdrawn = services.approval_reject(approval=approval, by=finance, reason="Typo")

    assert withdrawn.status == Approval.Status.REJECTED
    assert AuditEvent.objects.filter(action="approval.withdrawn").count() == 1


def test_a_rule_that_fails_at_approval_answers_and_leaves_it_pending(finance, finance2, donor):
    approval = request_adjustment(finance, donor, amount="-500.00").approval  # wallet holds 100

    response = client_for(finance2).post(f"/api/v1/approvals/{approval.pk}/approve")

    assert response.status_code == 402, response.content
    assert response.json()["error"] == "insufficient_funds"
    approval.refresh_from_db()
    assert approval.status == Approval.Status.PENDING
    assert balance(donor) == Decimal("100.00")
    assert AuditEvent.objects.filter(action="approval.execution_refused").count() == 1


def test_without_four_eyes_the_action_happens_at_once(finance, donor, settings):
    settings.FOUR_EYES = []

    outcome = request_adjustment(finance, donor)

    assert not outcome.pending
    assert isinstance(outcome.result, LedgerTransaction)
    assert balance(donor) == Decimal("125.00")
    assert not Approval.objects.exists()
    assert AuditEvent.objects.filter(action="wallet_adjustment.executed", actor=finance).exists()


def test_api_approve_flow(finance, finance2, donor):
    response = client_for(finance).post(
        "/api/v1/wallet-adjustments",
        {"user_id": str(donor.pk), "amount": "-10.00", "reason": "Double credit"},
        format="json",
    )
    assert response.status_code == 202, response.content
    approval = response.json()["approval"]
    assert approval["status"] == "pending"
    assert approval["amount"] == "-10.00"
    assert approval["requested_by"] == {"id": str(finance.pk), "name": finance.name}

    mine = client_for(finance).post(f"/api/v1/approvals/{approval['id']}/approve")
    assert mine.status_code == 403
    assert mine.json()["error"] == "four_eyes_required"

    done = client_for(finance2).post(f"/api/v1/approvals/{approval['id']}/approve")
    assert done.status_code == 200, done.content
    assert done.json()["status"] == "executed"
    assert balance(donor) == Decimal("90.00")

    again = client_for(finance2).post(f"/api/v1/approvals/{approval['id']}/approve")
    assert again.status_code == 400
    assert again.json()["error"] == "approval_not_pending"


def test_api_reject(finance, finance2, donor):
    approval = request_adjustment(finance, donor).approval

    missing = client_for(finance2).post(
        f"/api/v1/approvals/{approval.pk}/reject", {}, format="json"
    )
    assert missing.status_code == 400
    response = client_for(finance2).post(
        f"/api/v1/approvals/{approval.pk}/reject", {"reason": "No"}, format="json"
    )

    assert response.status_code == 200, response.content
    assert response.json()["status"] == "rejected"
    assert balance(donor) == Decimal("100.00")


def test_api_single_step_answers_201(finance, donor, settings):
    settings.FOUR_EYES = []

    response = client_for(finance).post(
        "/api/v1/wallet-adjustments",
        {"user_id": str(donor.pk), "amount": "5.00", "reason": "Goodwill"},
        format="json",
    )

    assert response.status_code == 201, response.content
    assert response.json()["amount"] == "5.00"
    assert balance(donor) == Decimal("105.00")
