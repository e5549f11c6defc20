"""Staff services, grouped by topic and re-exported here:

- audit: `audit_record` (call it inside the transaction of the write it records)
- approvals: `approval_request`, `approval_approve`, `approval_reject`
- roles: `user_roles_set`
- wallets: `wallet_adjustment_request` (kind `wallet_adjustment`)
- mfa_resets: `mfa_reset_request` (kind `mfa_reset`)
"""

from staff.services.approvals import (
    ApprovalOutcome,
    approval_approve,
    approval_reject,
    approval_request,
    four_eyes_applies,
)
from staff.services.audit import audit_record
from staff.services.mfa_resets import mfa_reset_request
from staff.services.roles import user_roles_set
from staff.services.wallets import wallet_adjustment_max, wallet_adjustment_request

__all__ = [
    "ApprovalOutcome",
    "approval_approve",
    "approval_reject",
    "approval_request",
    "audit_record",
    "four_eyes_applies",
    "mfa_reset_request",
    "user_roles_set",
    "wallet_adjustment_max",
    "wallet_adjustment_request",
]
