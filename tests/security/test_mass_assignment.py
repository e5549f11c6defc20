"""Mass assignment: read-only and computed fields in a request body are ignored.

Every write endpoint is called twice on the same world, each time rolled back: once
with its valid body, once with that body plus every read-only, computed and ownership
field set to a hostile value. The two runs must leave the same row behind (and the
same response, and the same number of rows in every table), the hostile values must
appear nowhere, and the legitimate fields must have been applied. A serializer or
form that starts accepting a computed field makes the two runs differ.
"""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

import pytest
from django.apps import apps
from django.db import models, transaction
from django.urls import reverse

from accounts.models import TopUp, User
from campaigns.models import Campaign, CampaignUpdate, Donation
from distribution.models import ZakatCase
from giving.models import RecurringDonation
from loans.models import Loan, MurabahaContract
from payouts.models import Payout, PayoutAccount
from staff.models import Approval
from tests.helpers import (
    APP_LABELS,
    CAMPAIGN_BODY,
    CASE_BODY,
    RECORD_BODY,
    World,
    api_client_for,
    fitr_season_open,
    page_client_for,
)
from tests.loans.factories import purchase_body
from zakat.models import FitrPayment, FitrRate, HawlDate, MetalPrice, ZakatPayment, ZakatRecord

HOSTILE_ID = "00000000-0000-4000-8000-000000000666"
HOSTILE_DAY = "2001-02-03"
HOSTILE_TIME = "2001-02-03T04:05:06Z"


def hostile_fields(world: World) -> dict:
    """Everything a client must never set, with values no honest request produces."""
    other = str(world.users["other"].pk)
    owners = {
        name: other
        for name in (
            "owner", "owner_id", "user", "user_id", "payer", "borrower", "borrower_id",
            "customer", "customer_id", "organizer", "organizer_id", "donor", "donor_id",
            "created_by", "approved_by", "applicant", "applicant_id",
        )
    }  # fmt: skip
    return {
        **owners,
        "id": HOSTILE_ID,
        "pk": HOSTILE_ID,
        "status": "completed",
        "payment_status": "completed",
        "current_amount": "987654.00",
        "donor_count": 987,
        "progress_percentage": "98765.00",
        "zakat_amount": "0.01",
        "is_obligated": False,
        "zakatable_wealth": "0.01",
        "repaid_amount": "987654.00",
        "remaining_balance": "0.01",
        "sale_price": "0.01",
        "paid_amount": "987654.00",
        "balance": "987654.00",
        "balance_after": "987654.00",
        "cost_price_paid": "1.00",
        "is_staff": True,
        "is_superuser": True,
        "is_active": False,
        "created_at": HOSTILE_TIME,
        "updated_at": HOSTILE_TIME,
        "calculation_date": HOSTILE_TIME,
        "disbursement_date": HOSTILE_DAY,
        "accepted_at": HOSTILE_TIME,
        "paid_at": HOSTILE_TIME,
        "as_of": HOSTILE_TIME,
        "receipt_number": 666666,
        "currency": "XXX",
        "source_gateway": "evil",
        "redirect_url": "https://evil.example/",
        "days_past_due": 666,
        "nisab_threshold_used": "0.01",
        "donor_name": "Somebody Else",
        "organizer_name": "Somebody Else",
        "reminder_sent_for": HOSTILE_DAY,
        "next_due_date": HOSTILE_DAY,
        "next_run_on": HOSTILE_DAY,
        "approved_amount": "987654.00",
        "disbursed_amount": "987654.00",
        "asnaf_category": "riqab",
        "rejection_reason": "Hostile",
    }


@dataclass(frozen=True)
class Write:
    method: str
    name: str
    role: str
    body: dict
    status: int
    model: type | None = None  # where the write lands: a new row, or the row at `target`
    target: str = ""  # a world object updated in place
    kwargs: tuple = ()
    legit: dict = field(default_factory=dict)  # field -> value the row must hold
    page: bool = False
    keep: tuple = ()  # hostile keys this endpoint legitimately accepts

    @property
    def id(self) -> str:
        return f"{'page' if self.page else 'api'} {self.method} {self.name} as {self.role}"


V1 = "api:v1:"
RECORD, DRAFT, ACTIVE = (
    (("pk", "record"),),
    (("pk", "draft"),),
    (("pk", "active"),),
)
LOAN_P, LOAN_A, LOAN_ACT = (("pk", "loan_pending"),), (("pk", "loan_approved"),), (("pk", "loan_active"),)  # fmt: skip
C_REQ, C_ACQ = (("pk", "contract_requested"),), (("pk", "contract_acquired"),)
C_OFF, C_ACT = (("pk", "contract_offered"),), (("pk", "contract_active"),)
APPROVAL, PERSON = (("pk", "approval"),), (("pk", "person"),)
RECURRING = (("pk", "recurring"),)
LOAN_BODY = {"principal_amount": "500.00", "purpose": "Seeds", "repayment_months": 6}
CONTRACT_BODY = {"asset_description": "Oven", "cost_price": "800.00", "installments_count": 4}
D = Decimal

WRITES = [
    Write("POST", V1 + "auth-register", "anon",
          {"email": "new@example.org", "password": "a-long-passphrase", "name": "New"}, 201, User,
          legit={"email": "new@example.org", "name": "New", "is_staff": False, "is_superuser": False}),
    Write("POST", V1 + "wallet-top-ups", "owner", {"amount": "10.00"}, 201, TopUp,
          legit={"amount": D("10.00")}),
    Write("POST", V1 + "zakat-calculate", "owner", RECORD_BODY, 200),
    Write("POST", "api:v2:zakat-calculate", "owner", {"assets": {"cash": "9000.00"}}, 200),
    Write("POST", V1 + "zakat-metal-prices", "officer",
          {"gold_price_per_gram": "96.00", "silver_price_per_gram": "1.20"}, 201, MetalPrice,
          legit={"gold_price_per_gram": D("96.00"), "source": "manual"}),
    Write("POST", V1 + "zakat-records", "owner", RECORD_BODY, 201, ZakatRecord,
          legit={"payer_reference": "payer-9999", "zakat_amount": D("500.00"), "payment_status": "pending"}),
    Write("PUT", V1 + "zakat-record", "owner", RECORD_BODY, 200, ZakatRecord, "record", RECORD,
          legit={"wealth_amount": D("20000.00"), "zakat_amount": D("500.00")}),
    Write("PATCH", V1 + "zakat-record", "owner", {"wealth_amount": "12000.00"}, 200, ZakatRecord,
          "record", RECORD, legit={"zakat_amount": D("300.00"), "payment_status": "pending"}),
    Write("POST", V1 + "zakat-payments", "owner", {"record_id": "record"}, 201, ZakatPayment,
          legit={"amount": D("250.00")}),
    Write("PUT", V1 + "zakat-hawl", "owner", {"start_date": "2024-02-11"}, 200, HawlDate,
          legit={"started_on": dt.date(2024, 2, 11), "reminder_sent_for": None}),
    Write("POST", V1 + "campaigns", "owner", CAMPAIGN_BODY, 201, Campaign,
          legit={"name": "A new campaign", "status": "draft", "current_amount": D("0")}),
    Write("PATCH", V1 + "campaign", "owner", {"name": "Renamed draft"}, 200, Campaign, "draft",
          DRAFT, legit={"name": "Renamed draft", "status": "draft"}),
    Write("PATCH", V1 + "campaign", "officer", {"target_amount": "2000.00"}, 200, Campaign,
          "active", ACTIVE, legit={"target_amount": D("2000.00"), "status": "active"}),
    Write("POST", V1 + "campaign-activate", "officer", {}, 200, Campaign, "draft", DRAFT,
          legit={"status": "active"}),
    Write("POST", V1 + "campaign-cancel", "officer", {}, 200, Campaign, "active", ACTIVE,
          legit={"status": "cancelled"}),
    Write("POST", V1 + "campaign-complete", "officer", {}, 200, Campaign, "active", ACTIVE,
          legit={"status": "completed"}),
    Write("POST", V1 + "campaign-updates", "owner", {"title": "News", "body": "Two wells dug."},
          201, CampaignUpdate, kwargs=ACTIVE, legit={"title": "News", "body": "Two wells dug."}),
    Write("POST", V1 + "campaign-donations", "other", {"amount": "5.00", "message": "Hi"}, 201,
          Donation, kwargs=ACTIVE, legit={"amount": D("5.00"), "message": "Hi"}),
    Write("POST", V1 + "donations", "other", {"campaign_id": "active", "amount": "5.00"}, 201,
          Donation, legit={"amount": D("5.00"), "status": "completed"}),
    Write("POST", V1 + "donation-refund", "officer", {"reason": "Asked"}, 200, Donation,
          "donation", (("pk", "donation"),), legit={"status": "refunded"}),
    Write("POST", V1 + "checkout", "other", {"campaign_id": "active", "amount": "5.00"}, 201,
          Donation, legit={"amount": D("5.00"), "status": "completed"}),
    Write("POST", V1 + "recurring-donations", "other",
          {"campaign_id": "active", "amount": "5.00", "frequency": "weekly"}, 201,
          RecurringDonation, legit={"amount": D("5.00"), "frequency": "weekly", "status": "active"}),
    Write("PATCH", V1 + "recurring-donation", "owner", {"amount": "7.00"}, 200, RecurringDonation,
          "recurring", RECURRING, legit={"amount": D("7.00"), "status": "active"}),
    Write("POST", V1 + "loan-list", "owner", LOAN_BODY, 201, Loan,
          legit={"principal_amount": D("500.00"), "status": "pending", "purpose": "Seeds"}),
    Write("POST", V1 + "loan-approve", "officer", {}, 200, Loan, "loan_pending", LOAN_P,
          legit={"status": "approved"}),
    Write("POST", V1 + "loan-reject", "officer", {"reason": "No"}, 200, Loan, "loan_pending", LOAN_P,
          legit={"status": "rejected"}),
    # zakat cases: the applicant's fields only; staff decide through their own moves.
    Write("POST", V1 + "zakat-cases", "owner", CASE_BODY, 201, ZakatCase,
          legit={"status": "submitted", "household_size": 3, "amount_requested": D("300.00")},
          keep=("asnaf_category",)),
    Write("POST", "distribution:apply", "owner", CASE_BODY, 302, ZakatCase, page=True,
          legit={"status": "submitted", "amount_requested": D("300.00")}, keep=("asnaf_category",)),
    Write("POST", V1 + "zakat-case-approve", "officer",
          {"asnaf_category": "fuqara", "approved_amount": "50.00"}, 200, ZakatCase,
          "case_submitted", (("pk", "case_submitted"),),
          legit={"status": "approved", "asnaf_category": "fuqara", "approved_amount": D("50.00")},
          keep=("asnaf_category", "approved_amount")),
    Write("POST", V1 + "zakat-case-reject", "officer", {"reason": "No"}, 200, ZakatCase,
          "case_submitted", (("pk", "case_submitted"),), legit={"status": "rejected"}),
    Write("POST", V1 + "zakat-case-close", "officer", {}, 200, ZakatCase,
          "case_approved", (("pk", "case_approved"),), legit={"status": "closed"}),
    Write("POST", V1 + "zakat-case-disbursements", "officer",
          {"amount": "10.00", "method": "wallet"}, 202, Approval, kwargs=(("pk", "case_approved"),),
          legit={"kind": "zakat_disbursement", "status": "pending", "amount": D("10.00")}),
    # Four-eyes moves: the request is the write (a pending approval), nothing moves yet.
    Write("POST", V1 + "loan-disburse", "officer", {}, 202, Approval, kwargs=LOAN_A,
          legit={"kind": "loan_disbursement", "status": "pending", "currency": "USD"}),
    Write("POST", V1 + "loan-mark-defaulted", "officer", {}, 202, Approval, kwargs=LOAN_ACT,
          legit={"kind": "write_off", "status": "pending", "currency": "USD"}),
    Write("POST", V1 + "loan-repayment", "owner", {"payment_amount": "10.00"}, 200, Loan,
          "loan_active", LOAN_ACT, legit={"repaid_amount": D("10.00")}),
    Write("POST", V1 + "murabaha-list", "owner", CONTRACT_BODY, 201, MurabahaContract,
          legit={"cost_price": D("800.00"), "status": "requested", "markup_amount": None}),
    Write("POST", V1 + "murabaha-acquire", "officer", purchase_body(), 202, Approval, kwargs=C_REQ,
          legit={"kind": "murabaha_purchase", "status": "pending", "currency": "USD"}),
    Write("POST", V1 + "murabaha-offer", "officer", {"markup_amount": "50.00"}, 200,
          MurabahaContract, "contract_acquired", C_ACQ,
          legit={"status": "offered", "markup_amount": D("50.00")}),
    Write("POST", V1 + "murabaha-accept", "owner", {}, 200, MurabahaContract, "contract_offered",
          C_OFF, legit={"status": "active"}),
    Write("POST", V1 + "murabaha-cancel", "owner", {}, 200, MurabahaContract,
          "contract_requested", C_REQ, legit={"status": "cancelled"}),
    Write("POST", V1 + "murabaha-payments", "owner", {"amount": "10.00"}, 200, MurabahaContract,
          "contract_active", C_ACT, legit={"paid_amount": D("10.00")}),
    Write("POST", V1 + "loan-reschedule", "officer", {"repayment_months": 6}, 200, Loan,
          "loan_active", LOAN_ACT, legit={"repayment_months": 6}),
    Write("POST", V1 + "murabaha-reschedule", "officer", {"installments_count": 6}, 200,
          MurabahaContract, "contract_active", C_ACT, legit={"installments_count": 6}),
    Write("POST", V1 + "murabaha-mark-defaulted", "officer", {}, 202, Approval, kwargs=C_ACT,
          legit={"kind": "write_off", "status": "pending", "currency": "USD"}),
    Write("POST", V1 + "murabaha-rebate", "officer", {"amount": "10.00"}, 202, Approval,
          kwargs=C_ACT, legit={"kind": "rebate", "amount": D("10.00"), "status": "pending"}),
    # staff
    Write("PUT", V1 + "user-roles", "superuser", {"roles": ["auditor"]}, 200, User, "person",
          PERSON, legit={"is_staff": True, "is_superuser": False, "is_active": True}),
    Write("POST", V1 + "wallet-adjustments", "superuser",
          {"user_id": "wallet_owner", "amount": "10.00", "reason": "Goodwill"}, 202, Approval,
          legit={"amount": D("10.00"), "status": "pending", "currency": "USD"}),
    Write("POST", V1 + "approval-approve", "superuser", {}, 200, Approval, "approval", APPROVAL,
          legit={"status": "executed"}),
    Write("POST", V1 + "approval-reject", "superuser", {"reason": "No."}, 200, Approval,
          "approval", APPROVAL, legit={"status": "rejected"}),
    Write("POST", V1 + "user-mfa-reset", "superuser", {"reason": "Phone lost"}, 202, Approval,
          kwargs=PERSON, legit={"kind": "mfa_reset", "status": "pending", "amount": None}),
    # pages
    Write("POST", "accounts:register", "anon",
          {"name": "New", "email": "new@example.org", "password1": "a-long-passphrase",
           "password2": "a-long-passphrase"}, 302, User, page=True,
          legit={"email": "new@example.org", "is_staff": False}),
    Write("POST", "wallet", "owner", {"amount": "10.00"}, 302, TopUp, page=True,
          legit={"amount": D("10.00")}),
    Write("POST", "zakat:record_save", "owner", {"cash": "9000.00", "nisab_standard": "silver"},
          302, ZakatRecord, page=True, legit={"payment_status": "pending"}),
    Write("POST", "zakat:pay", "owner", {}, 302, ZakatRecord, "record", RECORD, page=True,
          legit={"payment_status": "completed"}),
    Write("POST", "campaigns:new", "owner", CAMPAIGN_BODY, 302, Campaign, page=True,
          legit={"status": "draft", "current_amount": D("0")}),
    Write("POST", "campaigns:update_new", "owner", {"title": "News", "body": "Two wells dug."}, 302,
          CampaignUpdate, kwargs=(("pk", "active"),), page=True, legit={"title": "News"}),
    Write("POST", "giving:recurring", "other",
          {"campaign": "active", "amount": "5.00", "frequency": "weekly", "designation": "sadaqah"},
          302, RecurringDonation, page=True, legit={"frequency": "weekly", "status": "active"}),
    Write("POST", "giving:recurring_change", "owner", {"action": "pause"}, 302, RecurringDonation,
          "recurring", RECURRING, page=True, legit={"status": "paused"}),
    Write("POST", "campaigns:donate", "other", {"amount": "5.00"}, 302, Donation,
          kwargs=(("pk", "active"),), page=True, legit={"amount": D("5.00")}),
    Write("POST", "loans:apply", "owner", {**LOAN_BODY, "repayment_months": "6"}, 302, Loan,
          page=True, legit={"status": "pending"}),
    Write("POST", "loans:loan", "owner", {"amount": "10.00"}, 302, Loan, "loan_active", LOAN_ACT,
          page=True, legit={"repaid_amount": D("10.00")}),
    Write("POST", "loans:murabaha_new", "owner",
          {**CONTRACT_BODY, "down_payment": "0", "installments_count": "4"}, 302, MurabahaContract,
          page=True, legit={"status": "requested"}),
    Write("POST", "loans:murabaha", "owner", {"amount": "10.00"}, 302, MurabahaContract,
          "contract_active", C_ACT, page=True, legit={"paid_amount": D("10.00")}),
    Write("POST", "loans:murabaha_accept", "owner", {"confirm": "on"}, 302, MurabahaContract, "contract_offered",
          C_OFF, page=True, legit={"status": "active"}),
    Write("POST", "loans:murabaha_cancel", "owner", {}, 302, MurabahaContract,
          "contract_requested", C_REQ, page=True, legit={"status": "cancelled"}),
    Write("POST", V1 + "payout-account-list", "owner",
          {"holder_name": "Holder", "iban": "GB82WEST12345698765432"}, 201, PayoutAccount,
          legit={"holder_name": "Holder", "iban_country": "GB", "iban_last4": "5432"}),
    Write("POST", V1 + "withdrawal-list", "owner",
          {"amount": "10.00", "payout_account_id": "payout_account"}, 201, Payout,
          legit={"amount": D("10.00"), "status": "processing", "source": "wallet"}),
    Write("POST", V1 + "campaign-payout-list", "owner", {"amount": "5.00", "payee_name": "Builders"},
          202, Approval, kwargs=ACTIVE, legit={"kind": "campaign_payout", "status": "pending"}),
    Write("POST", "payouts:accounts", "owner",
          {"holder_name": "Holder", "iban": "GB82WEST12345698765432"}, 302, PayoutAccount,
          page=True, legit={"holder_name": "Holder"}),
    Write("POST", "payouts:withdraw", "owner",
          {"amount": "10.00", "payout_account": "payout_account"}, 302, Payout, page=True,
          legit={"amount": D("10.00"), "status": "processing"}),
    # zakat al-fitr and campaign zakat
    Write("POST", V1 + "zakat-fitr-rates", "officer",
          {"hijri_year": 1500, "amount_per_person": "10.00"}, 201, FitrRate,
          legit={"hijri_year": 1500, "amount_per_person": D("10.00"), "currency": "USD"}),
    Write("PATCH", V1 + "campaign", "officer", {"zakat_eligible": True}, 200, Campaign, "active",
          ACTIVE, legit={"zakat_eligible": True, "status": "active"}),
    Write("POST", V1 + "donations", "other",
          {"campaign_id": "active", "amount": "5.00", "designation": "sadaqah"}, 201, Donation,
          legit={"amount": D("5.00"), "designation": "sadaqah"}),
]  # fmt: skip
# Paying zakat al-fitr writes only before 1 Shawwal (else 400 fitr_deadline_passed).
if fitr_season_open():
    WRITES += [
        Write("POST", V1 + "zakat-fitr-payments", "owner", {"people": 2}, 201, FitrPayment,
              legit={"people": 2, "amount": D("20.00")}),
        Write("POST", "zakat:fitr", "owner", {"people": "3"}, 302, FitrPayment, page=True,
              legit={"people": 3, "amount": D("30.00")}),
    ]  # fmt: skip


def _resolve(value, world: World):
    if isinstance(value, str) and value in world.objects:
        return str(world.objects[value].pk)
    if isinstance(value, dict):
        return {k: _resolve(v, world) for k, v in value.items()}
    return value


# Rows that exist before the request: a link to one of them must be the same in both runs.
STABLE_TARGETS = {User, Campaign, ZakatRecord, Loan, MurabahaContract, MetalPrice}


def _row_values(instance: models.Model) -> dict:
    """The row's stored values, without its key and moments (they differ run to run)."""
    values = {}
    for f in instance._meta.concrete_fields:
        if f.primary_key or isinstance(f, models.DateTimeField):
            continue
        # iban_encrypted: a Fernet token differs on every encryption of the same IBAN.
        if f.name in ("receipt_number", "password", "email", "iban_encrypted"):
            continue
        if "reference" in f.name:
            continue
        value = getattr(instance, f.attname)
        if f.is_relation and f.related_model not in STABLE_TARGETS:
            value = value is not None  # a ledger posting made by this very request
        values[f.attname] = value
    return values


def _response_values(response) -> dict:
    if response.get("Content-Type", "").startswith("application/json") and response.content:
        body = response.json()
        volatile = {"id", "created_at", "paid_at", "as_of", "calculation_date", "receipt_number",
                    "prices_as_of", "redirect_url", "reference"}  # fmt: skip

        def keep(obj: dict) -> dict:  # one level down too: a 202 wraps the approval
            return {
                k: keep(v) if isinstance(v, dict) else v
                for k, v in obj.items()
                if k not in volatile and not k.endswith("_at")
            }

        if isinstance(body, dict):
            return keep(body)
    return {}


def _counts() -> dict:
    return {
        m._meta.label_lower: m._base_manager.count()
        for label in APP_LABELS
        for m in apps.get_app_config(label).get_models()
        if m._meta.managed
    }


def _run(write: Write, world: World, body: dict) -> dict:
    """Send once in a savepoint, read the landed row back, roll everything back."""
    client = page_client_for(world, write.role) if write.page else api_client_for(world, write.role)
    kwargs = {k: _resolve(v, world) for k, v in write.kwargs}
    url = reverse(write.name, kwargs=kwargs)
    with transaction.atomic():
        before = (
            set(write.model._base_manager.values_list("pk", flat=True)) if write.model else set()
        )
        if write.page:
            data = {k: ("on" if v is True else "" if v is False else v) for k, v in body.items()}
            response = client.post(url, data)
        else:
            response = getattr(client, write.method.lower())(url, body, format="json")
        assert response.status_code == write.status, (write.id, response.content[:500])
        row = None
        if write.target:
            row = write.model._base_manager.get(pk=world.objects[write.target].pk)
        elif write.model:
            new = write.model._base_manager.exclude(pk__in=before)
            assert new.count() == 1, f"{write.id}: expected exactly one new row"
            row = new.get()
        result = {
            "row": _row_values(row) if row else {},
            "instance": row,
            "response": _response_values(response),
            "counts": _counts(),
        }
        transaction.set_rollback(True)
    return result


def _hostile_leaks(result: dict) -> list[str]:
    leaks = []
    instance = result["instance"]
    if instance is not None:
        if str(instance.pk) == HOSTILE_ID:
            leaks.append("row id taken from the body")
        for f in instance._meta.concrete_fields:
            value = getattr(instance, f.attname)
            if isinstance(value, dt.datetime) and value.year == 2001:
                leaks.append(f"{f.name} taken from the body")
            if isinstance(value, dt.date) and str(value) == HOSTILE_DAY:
                leaks.append(f"{f.name} taken from the body")
    return leaks


@pytest.mark.django_db
@pytest.mark.parametrize("write", WRITES, ids=lambda w: w.id)
def test_read_only_and_computed_fields_are_ignored(write, world):
    body = _resolve(write.body, world)
    hostile = {
        k: v for k, v in hostile_fields(world).items() if k not in body and k not in write.keep
    }

    clean = _run(write, world, body)
    dirty = _run(write, world, {**body, **hostile})

    for name, expected in write.legit.items():
        assert clean["row"].get(name, getattr(clean["instance"], name, None)) == expected, name
    assert dirty["row"] == clean["row"], f"{write.id}: the hostile fields changed the stored row"
    assert dirty["response"] == clean["response"], (
        f"{write.id}: the hostile fields changed the answer"
    )
    assert dirty["counts"] == clean["counts"], (
        f"{write.id}: the hostile fields changed what was written"
    )
    assert not _hostile_leaks(dirty), write.id


def test_every_write_endpoint_is_covered():
    """A new write route (API or page) must be added to WRITES (or to the reasons below)."""
    from tests.security.test_authz_matrix import API_TABLE, PAGE_TABLE

    not_a_data_write = {
        V1 + "auth-login": "issues tokens, stores nothing a client could set",
        V1 + "auth-refresh": "rotates a token, stores nothing a client could set",
        V1 + "auth-logout": "blacklists the caller's own token",
        V1 + "wallet-top-up-webhook": "authenticated by the gateway; 404 for the sandbox",
        V1 + "campaign": "DELETE has no body",
        V1 + "campaign-cover": "multipart `image` only (tests/campaigns/test_cover.py)",
        "campaigns:cover": "multipart `image` only (tests/campaigns/test_cover.py)",
        V1 + "zakat-record": "DELETE has no body",
        "accounts:login": "signs in, stores nothing a client could set",
        "accounts:logout": "signs out",
        "accounts:password_change": "Django's own form: only the password changes",
        "accounts:password_reset": "Django's own form: sends an e-mail",
        "zakat:hawl": "one date, the only field (tests/zakat)",
        V1 + "payout-webhook": "authenticated by the payout gateway; 404 for the sandbox",
        "payouts:account_delete": "removes the caller's own bank account; no body",
        "set_language": "sets the language cookie; writes nothing to the database",
        V1 + "auth-login-mfa": "checks a code and issues tokens, stores nothing a client could set",
        "accounts:login_mfa": "checks a code and signs in, stores nothing a client could set",
        "accounts:mfa_enrol": "one code, the only field; the server makes the secret (tests/accounts/test_mfa.py)",
        "accounts:mfa_remove": "password and code, the only fields; removes the caller's own device",
        "accounts:mfa_replace": "password and code, the only fields; removes the caller's own device",
        V1 + "murabaha-charity-payments": "the world's contract pledges nothing to pay "
        "(tests/loans/test_financing_api.py pays a pledge)",
        **(
            {}
            if fitr_season_open()
            else {
                V1 + "zakat-fitr-payments": "after 1 Shawwal it writes nothing (tests/zakat)",
                "zakat:fitr": "after 1 Shawwal it writes nothing (tests/zakat)",
            }
        ),
    }
    covered = {(w.method, w.name) for w in WRITES}
    missing = [
        (row.method, row.name)
        for row in API_TABLE + PAGE_TABLE
        if row.method != "GET"
        and (row.method, row.name) not in covered
        and not (row.method == "DELETE" or row.name in not_a_data_write)
    ]
    assert not missing, missing
