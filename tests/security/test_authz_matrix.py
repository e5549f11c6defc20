"""Authorization matrix: every API route and method, every page and every admin
changelist, for anonymous, owner, another user, staff and a superuser.

One row per (method, route name[, variant]) gives the expected status per role. The
matrix fails when the URLconf has a route the table does not list, and every write
that is refused leaves every row of every app table exactly as it was.
"""

from dataclasses import dataclass

import pytest
from django.contrib import admin
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from tests.helpers import (
    CAMPAIGN_BODY,
    CASE_BODY,
    RECORD_BODY,
    World,
    api_client_for,
    db_snapshot,
    fitr_season_open,
    page_client_for,
    snapshot_diff,
)
from tests.loans.factories import purchase_body

ROLES = ("anon", "owner", "other", "staff", "superuser")
REFUSED = {400, 401, 403, 404, 405}


# --- The table ------------------------------------------------------------------------


def S(anon, owner, other, staff, superuser=None) -> dict[str, int]:
    return dict(
        zip(
            ROLES,
            (anon, owner, other, staff, staff if superuser is None else superuser),
            strict=True,
        )
    )


PUBLIC = S(200, 200, 200, 200)
USER_READ = S(401, 200, 200, 200)
OWNED_READ = S(401, 200, 403, 403, 200)
# The matrix's "staff" is `is_staff` with no role: it reads nobody else's records
# (that takes `staff.staff_read`, which every role carries) and every staff write
# refuses it (403); the superuser holds every permission.
STAFF_WRITE = S(401, 403, 403, 403, 200)
OWNED_WRITE = S(401, 200, 403, 403, 200)
# Staff work by permission (staff/roles.py): is_staff alone is refused.
BY_PERMISSION = S(401, 403, 403, 403, 200)
BY_PERMISSION_ACCEPTED = S(401, 403, 403, 403, 202)
# A four-eyes move (loan disbursement, write-off, murabaha purchase, rebate): asked, 202.
STAFF_ASKS = BY_PERMISSION_ACCEPTED


@dataclass(frozen=True)
class Row:
    method: str
    name: str
    expect: dict
    kwargs: tuple = ()  # (url kwarg, world object name) pairs
    body: dict | None = None
    variant: str = ""

    @property
    def id(self) -> str:
        return f"{self.method} {self.name}{'[' + self.variant + ']' if self.variant else ''}"

    def url(self, world: World) -> str:
        kwargs = {}
        for key, value in self.kwargs:
            kwargs[key] = world.pk(value) if value in world.objects else value
        return reverse(self.name, kwargs=kwargs)


V1 = "api:v1:"
RECORD = (("pk", "record"),)
LOAN_P, LOAN_A, LOAN_ACT = (("pk", "loan_pending"),), (("pk", "loan_approved"),), (("pk", "loan_active"),)  # fmt: skip
C_REQ, C_ACQ = (("pk", "contract_requested"),), (("pk", "contract_acquired"),)
C_OFF, C_ACT = (("pk", "contract_offered"),), (("pk", "contract_active"),)
ACTIVE, DRAFT = (("pk", "active"),), (("pk", "draft"),)
DONATION = (("pk", "donation"),)
APPROVAL, PERSON = (("pk", "approval"),), (("pk", "person"),)
CASE_S, CASE_A = (("pk", "case_submitted"),), (("pk", "case_approved"),)
PAYOUT_ACCOUNT = (("pk", "payout_account"),)
RECURRING = (("pk", "recurring"),)
THIS_YEAR = (("year", str(timezone.localdate().year)),)

API_TABLE = [
    Row("GET", V1 + "health", PUBLIC),
    Row("GET", V1 + "health-ready", PUBLIC),
    Row("POST", V1 + "auth-register", S(201, 201, 201, 201),
        body={"email": "new@example.org", "password": "a-long-passphrase", "name": "New"}),
    Row("POST", V1 + "auth-login", S(401, 401, 401, 401),
        body={"email": "nobody@example.org", "password": "wrong-password"}),
    Row("POST", V1 + "auth-login-mfa", S(401, 401, 401, 401),
        body={"mfa_token": "forged.token", "code": "123456"}),
    Row("POST", V1 + "auth-refresh", S(401, 401, 401, 401), body={"refresh_token": "not.a.token"}),
    Row("POST", V1 + "auth-logout", S(401, 401, 401, 401), body={"refresh_token": "not.a.token"}),
    Row("GET", V1 + "auth-me", USER_READ),
    Row("GET", V1 + "wallet", USER_READ),
    Row("GET", V1 + "wallet-transactions", USER_READ),
    Row("POST", V1 + "wallet-top-ups", S(401, 201, 201, 201), body={"amount": "10.00"}),
    Row("POST", V1 + "wallet-top-up-webhook", S(404, 404, 404, 404), kwargs=(("gateway", "sandbox"),)),
    # zakat
    Row("POST", V1 + "zakat-calculate", S(401, 200, 200, 200), body=RECORD_BODY),
    Row("POST", "api:v2:zakat-calculate", S(401, 200, 200, 200), body={"assets": {"cash": "9000.00"}}),
    Row("GET", V1 + "zakat-metal-prices", PUBLIC),
    Row("POST", V1 + "zakat-metal-prices", S(401, 403, 403, 403, 201),
        body={"gold_price_per_gram": "96.00", "silver_price_per_gram": "1.20"}),
    Row("GET", V1 + "zakat-nisab", PUBLIC),
    Row("GET", V1 + "zakat-records", USER_READ),
    Row("POST", V1 + "zakat-records", S(401, 201, 201, 201), body=RECORD_BODY),
    Row("GET", V1 + "zakat-record", OWNED_READ, RECORD),
    Row("PUT", V1 + "zakat-record", OWNED_WRITE, RECORD, body=RECORD_BODY),
    Row("PATCH", V1 + "zakat-record", OWNED_WRITE, RECORD, body={"wealth_amount": "12000.00"}),
    Row("DELETE", V1 + "zakat-record", S(401, 204, 403, 403, 204), RECORD),
    Row("GET", V1 + "zakat-my-records", USER_READ),
    # Paying is the payer's own act: staff may read a record, not pay it from their wallet.
    Row("POST", V1 + "zakat-payments", S(401, 201, 403, 403), body={"record_id": "record"}),
    # zakat hawl: one's own only; GET is 404 until a start date is set
    Row("GET", V1 + "zakat-hawl", S(401, 404, 404, 404)),
    Row("PUT", V1 + "zakat-hawl", S(401, 200, 200, 200), body={"start_date": "2024-01-01"}),
    # zakat al-fitr: anyone reads the season; finance and zakat officers set rates; every
    # user pays for their own household (after 1 Shawwal: 400 fitr_deadline_passed).
    Row("GET", V1 + "zakat-fitr", PUBLIC),
    Row("POST", V1 + "zakat-fitr-rates", S(401, 403, 403, 403, 201),
        body={"hijri_year": 1500, "amount_per_person": "10.00"}),
    Row("GET", V1 + "zakat-fitr-payments", USER_READ),
    Row("POST", V1 + "zakat-fitr-payments", S(401, *[201 if fitr_season_open() else 400] * 3),
        body={"people": 2}),
    # campaigns: drafts are 404 to everyone but their organizer and staff (API.md).
    Row("GET", V1 + "campaigns", PUBLIC),
    Row("POST", V1 + "campaigns", S(401, 201, 201, 201), body=CAMPAIGN_BODY),
    Row("GET", V1 + "campaign", PUBLIC, ACTIVE),
    Row("GET", V1 + "campaign", S(404, 200, 404, 404, 200), DRAFT, variant="draft"),
    Row("PATCH", V1 + "campaign", S(401, 200, 404, 404, 200), DRAFT, body={"name": "Renamed draft"}, variant="draft"),
    Row("PATCH", V1 + "campaign", S(401, 400, 403, 403, 200), ACTIVE, body={"name": "Renamed live"}),
    Row("DELETE", V1 + "campaign", S(401, 204, 404, 404, 204), DRAFT, variant="draft"),
    Row("DELETE", V1 + "campaign", S(401, 400, 403, 403, 400), ACTIVE),
    Row("POST", V1 + "campaign-activate", STAFF_WRITE, DRAFT),
    Row("POST", V1 + "campaign-complete", STAFF_WRITE, ACTIVE),
    Row("POST", V1 + "campaign-cancel", STAFF_WRITE, ACTIVE),
    Row("GET", V1 + "campaign-donations", PUBLIC, ACTIVE),
    Row("GET", V1 + "campaign-donations", S(404, 200, 404, 404, 200), DRAFT, variant="draft"),
    Row("POST", V1 + "campaign-donations", S(401, 201, 201, 201), ACTIVE, body={"amount": "5.00"}),
    # cover and updates: the organizer or a campaign manager (no image sent: 400)
    Row("POST", V1 + "campaign-cover", S(401, 400, 403, 403, 400), ACTIVE),
    Row("GET", V1 + "campaign-updates", PUBLIC, ACTIVE),
    Row("GET", V1 + "campaign-updates", S(404, 200, 404, 404, 200), DRAFT, variant="draft"),
    Row("POST", V1 + "campaign-updates", S(401, 201, 403, 403, 201), ACTIVE, body={"title": "News", "body": "Two wells dug."}),
    Row("GET", V1 + "donations", USER_READ),
    Row("POST", V1 + "donations", S(401, 201, 201, 201), body={"campaign_id": "active", "amount": "5.00"}),
    Row("GET", V1 + "donation", OWNED_READ, DONATION),
    Row("POST", V1 + "donation-refund", STAFF_WRITE, DONATION),
    # giving: recurring gifts are the donor's own to change (staff read the runs only);
    # PDF receipts for their owner and staff; the statement is always the caller's own.
    Row("GET", V1 + "recurring-donations", USER_READ),
    Row("POST", V1 + "recurring-donations", S(401, 201, 201, 201),
        body={"campaign_id": "active", "amount": "5.00", "frequency": "weekly"}),
    Row("PATCH", V1 + "recurring-donation", S(401, 200, 403, 403, 403), RECURRING, body={"paused": True}),
    Row("DELETE", V1 + "recurring-donation", S(401, 204, 403, 403, 403), RECURRING),
    Row("GET", V1 + "recurring-donation-runs", OWNED_READ, RECURRING),
    Row("POST", V1 + "checkout", S(401, 201, 201, 201), body={"campaign_id": "active", "amount": "5.00"}),
    Row("GET", V1 + "donation-receipt-pdf", OWNED_READ, DONATION),
    Row("GET", V1 + "zakat-payment-receipt-pdf", OWNED_READ, (("pk", "zakat_payment"),)),
    Row("GET", V1 + "fitr-payment-receipt-pdf", OWNED_READ, (("pk", "fitr_payment"),)),
    Row("GET", V1 + "statement-pdf", USER_READ, THIS_YEAR),
    # qard hasan
    Row("GET", V1 + "loan-list", USER_READ),
    Row("POST", V1 + "loan-list", S(401, 201, 201, 201),
        body={"principal_amount": "500.00", "purpose": "Seeds", "repayment_months": 6}),
    Row("GET", V1 + "loan-detail", OWNED_READ, LOAN_P),
    Row("POST", V1 + "loan-approve", STAFF_WRITE, LOAN_P),
    Row("POST", V1 + "loan-reject", STAFF_WRITE, LOAN_P, body={"reason": "No."}),
    Row("POST", V1 + "loan-disburse", STAFF_ASKS, LOAN_A),
    Row("POST", V1 + "loan-mark-defaulted", STAFF_ASKS, LOAN_ACT),
    Row("GET", V1 + "loan-schedule", OWNED_READ, LOAN_ACT),
    # Only the borrower pays from the wallet; staff record cash received (external).
    Row("POST", V1 + "loan-repayment", S(401, 200, 403, 403, 403), LOAN_ACT, body={"payment_amount": "10.00"}),
    Row("POST", V1 + "loan-repayment", S(401, 403, 403, 403, 200), LOAN_ACT,
        body={"payment_amount": "10.00", "source": "external"}, variant="cash"),
    Row("POST", V1 + "loan-reschedule", BY_PERMISSION, LOAN_ACT, body={"repayment_months": 6}),
    # murabaha
    Row("GET", V1 + "murabaha-list", USER_READ),
    Row("POST", V1 + "murabaha-list", S(401, 201, 201, 201),
        body={"asset_description": "Oven", "cost_price": "800.00", "installments_count": 4}),
    Row("GET", V1 + "murabaha-detail", OWNED_READ, C_REQ),
    Row("POST", V1 + "murabaha-acquire", STAFF_ASKS, C_REQ, body=purchase_body()),
    Row("POST", V1 + "murabaha-offer", STAFF_WRITE, C_ACQ, body={"markup_amount": "50.00"}),
    # Accepting binds the customer to the sale: only the customer may.
    Row("POST", V1 + "murabaha-accept", S(401, 200, 403, 403), C_OFF),
    Row("POST", V1 + "murabaha-cancel", OWNED_WRITE, C_REQ),
    Row("GET", V1 + "murabaha-schedule", OWNED_READ, C_ACT),
    Row("POST", V1 + "murabaha-payments", S(401, 200, 403, 403, 403), C_ACT, body={"amount": "10.00"}),
    Row("POST", V1 + "murabaha-payments", S(401, 403, 403, 403, 200), C_ACT,
        body={"amount": "10.00", "source": "external"}, variant="cash"),
    Row("POST", V1 + "murabaha-mark-defaulted", STAFF_ASKS, C_ACT),
    Row("POST", V1 + "murabaha-rebate", STAFF_ASKS, C_ACT, body={"amount": "10.00"}),
    Row("POST", V1 + "murabaha-reschedule", BY_PERMISSION, C_ACT, body={"installments_count": 6}),
    # Nothing is pledged on the world's contract (no charity undertaking): the owner's
    # payment is an overpayment; staff may record only cash, never the wallet.
    Row("POST", V1 + "murabaha-charity-payments", S(401, 400, 403, 403, 403), C_ACT, body={"amount": "1.00"}),
    # staff: roles, approvals, audit
    Row("GET", V1 + "roles", BY_PERMISSION),
    Row("PUT", V1 + "user-roles", BY_PERMISSION, PERSON, body={"roles": ["auditor"]}),
    Row("GET", V1 + "approvals", BY_PERMISSION),
    Row("GET", V1 + "approval", BY_PERMISSION, APPROVAL),
    Row("POST", V1 + "approval-approve", BY_PERMISSION, APPROVAL),
    Row("POST", V1 + "approval-reject", BY_PERMISSION, APPROVAL, body={"reason": "No."}),
    Row("POST", V1 + "wallet-adjustments", BY_PERMISSION_ACCEPTED,
        body={"user_id": "wallet_owner", "amount": "10.00", "reason": "Goodwill"}),
    Row("GET", V1 + "audit-events", BY_PERMISSION),
    # zakat distribution: applicants see their own cases; zakat staff decide and pay.
    Row("GET", V1 + "zakat-cases", USER_READ),
    Row("POST", V1 + "zakat-cases", S(401, 201, 201, 201), body=CASE_BODY),
    Row("GET", V1 + "zakat-case", S(401, 200, 403, 403, 200), CASE_S),
    Row("POST", V1 + "zakat-case-approve", BY_PERMISSION, CASE_S,
        body={"asnaf_category": "fuqara", "approved_amount": "50.00"}),
    Row("POST", V1 + "zakat-case-reject", BY_PERMISSION, CASE_S, body={"reason": "No."}),
    Row("POST", V1 + "zakat-case-close", BY_PERMISSION, CASE_A),
    Row("POST", V1 + "zakat-case-disbursements", BY_PERMISSION_ACCEPTED, CASE_A,
        body={"amount": "10.00", "method": "wallet"}),
    Row("GET", V1 + "zakat-fund", BY_PERMISSION),
    Row("GET", V1 + "zakat-transparency", PUBLIC),
    # payouts: bank accounts and withdrawals are the owner's own; nobody, staff
    # included, withdraws to someone else's bank account.
    Row("GET", V1 + "payout-account-list", USER_READ),
    Row("POST", V1 + "payout-account-list", S(401, 201, 201, 201),
        body={"holder_name": "Holder", "iban": "GB82WEST12345698765432"}),
    Row("DELETE", V1 + "payout-account-detail", S(401, 204, 403, 403, 403), PAYOUT_ACCOUNT),
    Row("GET", V1 + "withdrawal-list", USER_READ),
    Row("POST", V1 + "withdrawal-list", S(401, 201, 403, 403, 403),
        body={"amount": "10.00", "payout_account_id": "payout_account"}),
    Row("GET", V1 + "campaign-payout-list", S(401, 200, 403, 403, 200), ACTIVE),
    Row("POST", V1 + "campaign-payout-list", S(401, 202, 403, 403, 202), ACTIVE,
        body={"amount": "5.00", "payee_name": "Builders"}),
    Row("POST", V1 + "payout-webhook", S(404, 404, 404, 404), kwargs=(("gateway", "sandbox"),)),
    Row("POST", V1 + "user-mfa-reset", BY_PERMISSION_ACCEPTED, PERSON, body={"reason": "Lost phone"}),
    # reports: finance and auditors; the portfolio also loan officers (test_roles_matrix)
    Row("GET", V1 + "reports-trial-balance", BY_PERMISSION),
    Row("GET", V1 + "reports-journal", BY_PERMISSION),
    Row("GET", V1 + "reports-portfolio", BY_PERMISSION),
]  # fmt: skip

LOGIN = "login"  # a 302 to the sign-in page (the site's or the admin's)
PAGE_PUBLIC = S(200, 200, 200, 200)
PAGE_USER = S(LOGIN, 200, 200, 200)
PAGE_OWNED = S(LOGIN, 200, 403, 403, 200)
REDIRECT_AUTHED = S(LOGIN, 302, 302, 302)
PAGE_TABLE = [
    Row("GET", "home", PAGE_PUBLIC),
    # Signed-in visitors are sent on from the login page (redirect_authenticated_user).
    Row("GET", "accounts:login", S(200, 302, 302, 302)),
    Row("POST", "accounts:login", S(200, 302, 302, 302), body={"username": "x@example.org", "password": "nope"}),
    Row("POST", "accounts:logout", S(302, 302, 302, 302)),
    Row("GET", "accounts:register", S(200, 302, 302, 302)),
    # The code step of sign-in: nobody is waiting for it here (no password given, no
    # authenticator enrolled), so it sends on: anonymous to sign in, others onwards.
    Row("GET", "accounts:login_mfa", S(LOGIN, 302, 302, 302)),
    Row("POST", "accounts:login_mfa", S(LOGIN, 302, 302, 302), body={"code": "123456"}),
    Row("GET", "accounts:mfa", PAGE_USER),
    Row("GET", "accounts:mfa_enrol", PAGE_USER),
    Row("POST", "accounts:mfa_enrol", S(LOGIN, 200, 200, 200), body={"code": "000000"}),
    Row("GET", "accounts:mfa_remove", S(LOGIN, 302, 302, 302)),  # none enrolled: to the status page
    Row("POST", "accounts:mfa_remove", S(LOGIN, 302, 302, 302), body={"password": "x", "code": "1"}),
    Row("GET", "accounts:mfa_replace", S(LOGIN, 302, 302, 302)),
    Row("POST", "accounts:mfa_replace", S(LOGIN, 302, 302, 302), body={"password": "x", "code": "1"}),
    Row("POST", "accounts:register", S(302, 302, 302, 302),
        body={"name": "New", "email": "new@example.org", "password1": "a-long-passphrase", "password2": "a-long-passphrase"}),
    Row("GET", "accounts:password_change", PAGE_USER),
    Row("POST", "accounts:password_change", S(LOGIN, 200, 200, 200), body={"old_password": "wrong"}),
    Row("GET", "accounts:password_change_done", PAGE_USER),
    Row("GET", "accounts:password_reset", PAGE_PUBLIC),
    Row("POST", "accounts:password_reset", S(302, 302, 302, 302), body={"email": "nobody@example.org"}),
    Row("GET", "accounts:password_reset_done", PAGE_PUBLIC),
    Row("GET", "accounts:password_reset_confirm", PAGE_PUBLIC, (("uidb64", "MQ"), ("token", "bad-token"))),
    Row("GET", "accounts:password_reset_complete", PAGE_PUBLIC),
    Row("GET", "wallet", PAGE_USER),
    Row("POST", "wallet", S(LOGIN, 302, 302, 302), body={"amount": "10.00"}),
    Row("GET", "zakat:calculator", PAGE_PUBLIC),
    Row("GET", "zakat:records", PAGE_USER),
    Row("POST", "zakat:record_save", S(LOGIN, 302, 302, 302), body={"cash": "9000.00", "nisab_standard": "silver"}),
    Row("GET", "zakat:record_save", S(LOGIN, 405, 405, 405)),
    Row("POST", "zakat:hawl", S(LOGIN, 302, 302, 302), body={"started_on": "2024-01-01"}),
    # Paying a record is the payer's own act, on the pages as in the API.
    Row("GET", "zakat:pay", S(LOGIN, 200, 403, 403), RECORD),
    Row("POST", "zakat:pay", S(LOGIN, 302, 403, 403), RECORD),
    Row("GET", "zakat:receipt", PAGE_OWNED, (("pk", "zakat_payment"),)),
    Row("GET", "zakat:fitr", PAGE_PUBLIC),
    Row("POST", "zakat:fitr", S(LOGIN, *[302 if fitr_season_open() else 200] * 3), body={"people": "1"}),
    Row("GET", "zakat:fitr_receipt", PAGE_OWNED, (("pk", "fitr_payment"),)),
    Row("GET", "campaigns:list", PAGE_PUBLIC),
    Row("GET", "campaigns:new", PAGE_USER),
    Row("POST", "campaigns:new", S(LOGIN, 302, 302, 302), body=CAMPAIGN_BODY),
    Row("GET", "campaigns:detail", PAGE_PUBLIC, (("pk", "active"),)),
    Row("GET", "campaigns:detail", S(404, 200, 404, 404, 200), (("pk", "draft"),), variant="draft"),
    Row("GET", "campaigns:donate", PAGE_USER, (("pk", "active"),)),
    Row("POST", "campaigns:donate", S(LOGIN, 302, 302, 302), (("pk", "active"),), body={"amount": "5.00"}),
    Row("POST", "campaigns:donate", S(LOGIN, 200, 404, 404, 200), (("pk", "draft"),), body={"amount": "5.00"}, variant="draft"),  # organizer/staff see it; a draft takes no gifts (form error)
    Row("POST", "campaigns:cover", S(LOGIN, 400, 403, 403, 400), (("pk", "active"),)),  # no file: the form again
    Row("POST", "campaigns:update_new", S(LOGIN, 302, 403, 403, 302), (("pk", "active"),), body={"title": "News", "body": "Two wells dug."}),
    Row("GET", "campaigns:my_donations", PAGE_USER),
    # Uploaded media: served by Django only with SERVE_MEDIA (development), never in tests.
    Row("GET", "media", S(404, 404, 404, 404), (("path", "campaigns/covers/none.jpg"),)),
    Row("GET", "campaigns:receipt", PAGE_OWNED, DONATION and (("pk", "donation"),)),
    Row("GET", "loans:index", PAGE_USER),
    Row("GET", "loans:apply", PAGE_USER),
    Row("POST", "loans:apply", S(LOGIN, 302, 302, 302),
        body={"principal_amount": "500.00", "purpose": "Seeds", "repayment_months": "6"}),
    Row("GET", "loans:loan", PAGE_OWNED, LOAN_ACT),
    Row("POST", "loans:loan", S(LOGIN, 302, 403, 403, 302), LOAN_ACT, body={"amount": "10.00"}),
    Row("GET", "loans:murabaha_new", PAGE_USER),
    Row("POST", "loans:murabaha_new", S(LOGIN, 302, 302, 302),
        body={"asset_description": "Oven", "cost_price": "800.00", "down_payment": "0", "installments_count": "4"}),
    Row("GET", "loans:murabaha", PAGE_OWNED, C_ACT),
    Row("POST", "loans:murabaha", S(LOGIN, 302, 403, 403, 302), C_ACT, body={"amount": "10.00"}),
    Row("POST", "loans:murabaha_accept", S(LOGIN, 302, 403, 403, 302), C_OFF, body={"confirm": "on"}),
    Row("POST", "loans:murabaha_cancel", S(LOGIN, 302, 403, 403, 302), C_REQ),
    Row("GET", "admin:index", S(LOGIN, LOGIN, LOGIN, 200, 200)),
    # Off without METRICS_TOKEN (the tests' default); with it, a bearer's only
    # (tests/config/test_metrics.py).
    Row("GET", "metrics", S(404, 404, 404, 404)),
    Row("GET", "distribution:apply", PAGE_USER),
    Row("POST", "distribution:apply", S(LOGIN, 302, 302, 302), body=CASE_BODY),
    Row("GET", "distribution:cases", PAGE_USER),
    # The supporting documents: the applicant and zakat staff only (is_staff alone: no).
    Row("GET", "distribution:document", S(LOGIN, 200, 403, 403, 200),
        (("pk", "case_submitted"), ("document_pk", "case_document"))),
    Row("GET", "distribution:transparency", PAGE_PUBLIC),
    Row("GET", "giving:recurring", PAGE_USER),
    Row("POST", "giving:recurring", S(LOGIN, 302, 302, 302),
        body={"campaign": "active", "amount": "5.00", "frequency": "weekly", "designation": "sadaqah"}),
    Row("POST", "giving:recurring_change", S(LOGIN, 302, 403, 403, 403), RECURRING, body={"action": "pause"}),
    Row("GET", "giving:statements", PAGE_USER),
    # The language switcher: anyone; it sets a cookie and writes nothing.
    Row("POST", "set_language", S(302, 302, 302, 302), body={"language": "ar", "next": "/"}),
    Row("GET", "payouts:withdraw", PAGE_USER),
    # Someone else's bank account is not among the form's choices: the form comes back.
    Row("POST", "payouts:withdraw", S(LOGIN, 302, 200, 200), body={"amount": "10.00", "payout_account": "payout_account"}),
    Row("GET", "payouts:accounts", PAGE_USER),
    Row("POST", "payouts:accounts", S(LOGIN, 302, 302, 302), body={"holder_name": "Holder", "iban": "GB82WEST12345698765432"}),
    Row("POST", "payouts:account_delete", S(LOGIN, 302, 403, 403), PAYOUT_ACCOUNT),
]  # fmt: skip

# Admin changelists: sign-in for anyone not staff; staff hold no model permissions
# unless granted, superusers see everything.
ADMIN_CHANGELIST = S(LOGIN, LOGIN, LOGIN, 403, 200)
ADMIN_TABLE = [
    Row(
        "GET",
        f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist",
        ADMIN_CHANGELIST,
    )
    for model in admin.site._registry
]

# Routes deliberately outside the matrix, each with its reason.
ALLOWED_UNLISTED = {
    "api:schema": "the public OpenAPI document (tests/config/test_api_conventions.py)",
    "api:docs": "public Swagger UI, no data (tests/config/test_api_conventions.py)",
    "api:redoc": "public ReDoc, no data (tests/config/test_api_conventions.py)",
}
ADMIN_INTERNALS = (
    "admin internals (login, add/change/delete/history, jsi18n...): guarded by the admin site"
)


# --- Route discovery ------------------------------------------------------------------


def iter_routes(resolver=None, prefix="", namespace=""):
    """(full name, route text, view callback) for every named URL pattern."""
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            ns = namespace
            if pattern.namespace:
                ns = f"{namespace}{pattern.namespace}:"
            yield from iter_routes(pattern, prefix + str(pattern.pattern), ns)
        elif isinstance(pattern, URLPattern):
            yield (
                f"{namespace}{pattern.name}" if pattern.name else None,
                prefix + str(pattern.pattern),
                pattern.callback,
            )


def api_methods(callback) -> set[str]:
    view = getattr(callback, "view_class", None) or getattr(callback, "cls", None)
    if view is None:
        return {"GET"}
    return {m.upper() for m in ("get", "post", "put", "patch", "delete") if hasattr(view, m)}


def discovered() -> tuple[set, set, list]:
    api, pages, unnamed = set(), set(), []
    for name, route, callback in iter_routes():
        if name is None:
            if not route.startswith("admin/"):  # the admin's unnamed object redirects
                unnamed.append(route)
        elif name in ALLOWED_UNLISTED:
            continue
        elif name.startswith("api:"):
            api |= {(method, name) for method in api_methods(callback)}
        elif name.startswith("admin:"):
            if name.endswith("_changelist") or name == "admin:index":
                pages.add(name)
        else:
            pages.add(name)
    return api, pages, unnamed


def test_every_route_is_in_the_matrix():
    api, pages, unnamed = discovered()

    listed_api = {(row.method, row.name) for row in API_TABLE}
    listed_pages = {row.name for row in PAGE_TABLE + ADMIN_TABLE}
    assert not unnamed, f"unnamed routes cannot be listed: {unnamed}"
    assert api - listed_api == set(), "API routes missing from the authorization matrix"
    assert pages - listed_pages == set(), "pages missing from the authorization matrix"
    assert listed_api - api == set(), "the matrix lists API routes that do not exist"
    assert listed_pages - pages == set(), "the matrix lists pages that do not exist"


def test_every_registered_admin_model_has_a_changelist_row():
    assert len(ADMIN_TABLE) == len(admin.site._registry) > 10


# --- The matrix -----------------------------------------------------------------------


def _resolve_body(body, world: World):
    if body is None:
        return None
    return {
        k: world.pk(v) if isinstance(v, str) and v in world.objects else v for k, v in body.items()
    }


def check_row(row: Row, world: World, *, api: bool) -> None:
    url = row.url(world)
    body = _resolve_body(row.body, world)
    failures = []
    for role in ROLES:
        client = api_client_for(world, role) if api else page_client_for(world, role)
        with transaction.atomic():
            before = db_snapshot() if row.method != "GET" else None
            response = send(client, row.method, url, body, api=api)
            expected = row.expect[role]
            got = _outcome(response)
            if got != expected:
                failures.append(
                    f"{role}: expected {expected}, got {got} {response.content[:300]!r}"
                )
            # A page that answers a POST with 200 re-rendered its form: refused too.
            refused = got in REFUSED or got == LOGIN or (not api and got == 200)
            if row.method != "GET" and refused:
                changed = snapshot_diff(before, db_snapshot())
                if changed:
                    failures.append(
                        f"{role}: refused with {response.status_code} but changed {changed}"
                    )
            transaction.set_rollback(True)
    assert not failures, f"{row.id} {url}:\n" + "\n".join(failures)


def send(client, method: str, url: str, body, *, api: bool):
    if method == "GET":
        return client.get(url)
    call = getattr(client, method.lower())
    if api:
        return call(url, body or {}, format="json")
    return call(url, body or {})


def _outcome(response) -> int | str:
    location = response.get("Location", "")
    if response.status_code == 302 and (
        "/accounts/login/" in location or "/admin/login/" in location
    ):
        return LOGIN
    return response.status_code


@pytest.mark.django_db
@pytest.mark.parametrize("row", API_TABLE, ids=lambda row: row.id)
def test_api_authorization(row, world):
    check_row(row, world, api=True)


@pytest.mark.django_db
@pytest.mark.parametrize("row", PAGE_TABLE + ADMIN_TABLE, ids=lambda row: row.id)
def test_page_authorization(row, world):
    check_row(row, world, api=False)
