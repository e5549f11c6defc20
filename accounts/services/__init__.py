"""Accounts' services, by topic; every public name is re-exported here, so callers
write `from accounts.services import ledger_post` whatever module it lives in.

- `auth`: registration, sign-in, API tokens, logout.
- `ledger`: the double-entry ledger (the only code that moves money), system
  accounts, wallets, reversals, staff adjustments, `ledger_verify`.
- `top_ups`: money coming in through the payment gateway.
- `mfa`: the second factor (TOTP authenticators, recovery codes), imported as
  `accounts.services.mfa` (it needs the staff app's audit trail).
"""

from accounts.services.auth import (
    EMAIL_TAKEN,
    InvalidCredentials,
    MfaStep,
    TokenInvalid,
    TokenNotYours,
    TokenPair,
    auth_login,
    auth_logout,
    auth_tokens_issue,
    auth_tokens_refresh,
    user_create,
)
from accounts.services.ledger import (
    DIRECTLY_REVERSIBLE_KINDS,
    AlreadyReversed,
    InsufficientFunds,
    LedgerError,
    LedgerReport,
    Leg,
    NotReversible,
    ZakatFundRestricted,
    campaign_zakat_account,
    external_account,
    fitr_fund_account,
    ledger_account,
    ledger_check_register,
    ledger_post,
    ledger_reverse,
    ledger_verify,
    wallet_adjust,
    wallet_get_or_create,
    wallet_key,
    zakat_fund_account,
)
from accounts.services.top_ups import (
    PaymentUnavailable,
    TopUpListener,
    TopUpNotPending,
    TopUpNotRefundable,
    top_up_create,
    top_up_listener_register,
    top_up_refund,
    top_up_settle,
    top_up_webhook_apply,
    top_ups_sync_pending,
)

__all__ = [
    "DIRECTLY_REVERSIBLE_KINDS",
    "EMAIL_TAKEN",
    "AlreadyReversed",
    "InsufficientFunds",
    "InvalidCredentials",
    "LedgerError",
    "LedgerReport",
    "Leg",
    "MfaStep",
    "NotReversible",
    "PaymentUnavailable",
    "TokenInvalid",
    "TokenNotYours",
    "TokenPair",
    "TopUpListener",
    "TopUpNotPending",
    "TopUpNotRefundable",
    "ZakatFundRestricted",
    "auth_login",
    "auth_logout",
    "auth_tokens_issue",
    "auth_tokens_refresh",
    "campaign_zakat_account",
    "external_account",
    "fitr_fund_account",
    "ledger_account",
    "ledger_check_register",
    "ledger_post",
    "ledger_reverse",
    "ledger_verify",
    "top_up_create",
    "top_up_listener_register",
    "top_up_refund",
    "top_up_settle",
    "top_up_webhook_apply",
    "top_ups_sync_pending",
    "user_create",
    "wallet_adjust",
    "wallet_get_or_create",
    "wallet_key",
    "zakat_fund_account",
]
