"""Helpers shared by test modules: a snapshot of every application row, and a world
with one user of each role and one of each owned thing.

The fixtures (a module-wide `world`, the skip of `postgres`-marked tests off
PostgreSQL) are in tests/conftest.py.
"""

import functools
import hashlib
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from django.apps import apps
from django.db import DEFAULT_DB_ALIAS, connections
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from campaigns import services as campaign_services
from distribution import services as distribution_services
from giving import services as giving_services
from loans import services as loan_services
from payouts import services as payout_services
from staff import services as staff_services
from tests.factories import UserFactory, fund_wallet
from tests.loans.factories import purchase
from zakat import selectors as zakat_selectors
from zakat import services as zakat_services
from zakat.dates import fitr_deadline
from zakat.models import MetalPrice

# The apps whose rows hold money, ownership and history.
APP_LABELS = (
    "accounts", "zakat", "campaigns", "loans", "staff", "distribution", "payouts", "giving",
)  # fmt: skip


# --- Snapshot of every app row --------------------------------------------------------


def db_rows(labels=APP_LABELS, *, exclude=()) -> dict[str, list[tuple]]:
    """Every row of every model of the apps `labels` (model label -> rows in primary-key
    order), through the base manager so that no default filter hides a row.

    The same rows as `values_list()` gives, read with SQL and converters compiled once
    per model: the matrices take two snapshots per cell, and building the queries
    cost more than running them."""
    return {
        model._meta.label: _read_rows(model) for model in _models(tuple(labels), frozenset(exclude))
    }


@functools.cache
def _models(labels: tuple, exclude: frozenset) -> list:
    return [
        model
        for label in labels
        for model in apps.get_app_config(label).get_models()
        if model._meta.label not in exclude and model._meta.managed  # unmanaged: no table
    ]


_READERS: dict = {}


def _read_rows(model) -> list[tuple]:
    wrapper = connections[DEFAULT_DB_ALIAS]  # this thread's connection
    key = (id(wrapper), model._meta.label)
    if key not in _READERS:
        queryset = model._base_manager.order_by("pk").values_list()
        compiler = queryset.query.get_compiler(using=queryset.db)
        sql, params = compiler.as_sql()
        # What SQLCompiler.results_iter does with the columns it selected.
        converters = compiler.get_converters([s[0] for s in compiler.select[: compiler.col_count]])
        _READERS[key] = (sql, params, compiler, converters)
    sql, params, compiler, converters = _READERS[key]
    with wrapper.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    if converters:
        return [tuple(row) for row in compiler.apply_converters(rows, converters)]
    return [tuple(row) for row in rows]


def db_digest(rows: dict[str, list[tuple]]) -> dict[str, tuple[int, str]]:
    """Row count and a hash of the rows per model: cheap to keep, exact to compare."""
    return {
        label: (len(values), hashlib.sha256(repr(values).encode()).hexdigest())
        for label, values in rows.items()
    }


def describe_changes(before: dict[str, list[tuple]], after: dict[str, list[tuple]]) -> str:
    """The rows that went (-) and came (+) between two `db_rows`, one per line."""
    lines = []
    for label in before:
        old, new = set(map(repr, before[label])), set(map(repr, after.get(label, [])))
        lines += [f"  {label} -{row}" for row in sorted(old - new)]
        lines += [f"  {label} +{row}" for row in sorted(new - old)]
    return "\n".join(lines)


# Idempotency keys are written by every keyed request whatever its outcome: not part
# of "the database did not change".
SNAPSHOT_EXCLUDED = {"config.IdempotencyRecord"}


def db_snapshot() -> dict[str, tuple[int, str]]:
    """Count and hash of every row of every app table (and config's)."""
    return db_digest(db_rows((*APP_LABELS, "config"), exclude=SNAPSHOT_EXCLUDED))


def snapshot_diff(before: dict, after: dict) -> list[str]:
    """The models whose rows differ between two `db_snapshot`s."""
    return [name for name in before if before[name] != after.get(name)]


# --- The world ------------------------------------------------------------------------

RECORD_BODY = {"payer_id": "payer-9999", "wealth_amount": "20000.00", "nisab_threshold": "5000.00"}
CAMPAIGN_BODY = {
    "name": "A new campaign",
    "description": "Why.",
    "target_amount": "500.00",
    "start_date": "2030-01-01",
    "end_date": "2030-02-01",
}


@dataclass
class World:
    users: dict
    objects: dict = field(default_factory=dict)

    def pk(self, name: str) -> str:
        return str(self.objects[name].pk)


def build_world() -> World:
    """Users of each role and one of each owned thing, owned by "owner"."""
    users = {
        "owner": UserFactory(),
        "other": UserFactory(),
        # Staff with no role: `is_staff` alone, which allows no staff action.
        "staff": UserFactory(is_staff=True, roles=[]),
        "superuser": UserFactory(is_staff=True, is_superuser=True),
    }
    for user in users.values():
        fund_wallet(user, "5000.00")
    owner = users["owner"]
    # A staff member holding the operational roles: builds the world, and is who the
    # security suites act as where a staff write must succeed.
    staff = users["officer"] = UserFactory(is_staff=True)
    world = World(users=users)
    o = world.objects
    MetalPrice.objects.create(
        currency="USD",
        gold_price_per_gram=Decimal("95.00"),
        silver_price_per_gram=Decimal("1.10"),
        as_of=timezone.now(),
        source=MetalPrice.Source.MANUAL,
    )
    o["record"] = zakat_services.zakat_record_create(
        payer=owner, payer_id="owner-0001", wealth_amount=Decimal("10000.00"),
        nisab_threshold=Decimal("5000.00"),
    )  # fmt: skip
    paid = zakat_services.zakat_record_create(
        payer=owner, payer_id="owner-0002", wealth_amount=Decimal("8000.00"),
        nisab_threshold=Decimal("5000.00"),
    )  # fmt: skip
    o["zakat_payment"] = zakat_services.zakat_payment_create(record=paid, payer=owner)
    o["fitr_payment"] = fitr_payment_this_season(owner, by=users["officer"])
    today = timezone.localdate()
    dates = {"start_date": today - timedelta(days=1), "end_date": today + timedelta(days=30)}
    o["draft"] = campaign_services.campaign_create(
        organizer=owner, name="Owner's draft", description="Draft.",
        target_amount=Decimal("1000.00"), **dates,
    )  # fmt: skip
    active = campaign_services.campaign_create(
        organizer=owner, name="Owner's campaign", description="Live.",
        target_amount=Decimal("1000.00"), **dates,
    )  # fmt: skip
    o["active"] = campaign_services.campaign_activate(campaign=active, by=staff)
    o["donation"] = campaign_services.donation_create(
        donor=owner, campaign=o["active"], amount=Decimal("25.00")
    )
    o["recurring"] = giving_services.recurring_donation_create(
        donor=owner, campaign=o["active"], amount=Decimal("5.00"), frequency="weekly"
    )
    o["loan_pending"] = loan_services.loan_apply(
        borrower=owner, principal_amount=Decimal("1200.00"), purpose="Tools", repayment_months=12
    )
    approved = loan_services.loan_apply(
        borrower=owner, principal_amount=Decimal("600.00"), purpose="Stock", repayment_months=6
    )
    o["loan_approved"] = loan_services.loan_approve(loan=approved, by=staff)
    active_loan = loan_services.loan_apply(
        borrower=owner, principal_amount=Decimal("1200.00"), purpose="Van", repayment_months=12
    )
    loan_services.loan_approve(loan=active_loan, by=staff)
    o["loan_active"] = loan_services.loan_disburse(loan=active_loan, by=staff)

    def contract():
        return loan_services.murabaha_request(
            customer=owner, asset_description="Delivery bicycle", cost_price=Decimal("1000.00"),
            installments_count=4, down_payment=Decimal("100.00"),
        )  # fmt: skip

    o["contract_requested"] = contract()
    o["contract_acquired"] = loan_services.murabaha_acquire(
        contract=contract(), by=staff, **purchase()
    )
    offered = loan_services.murabaha_acquire(contract=contract(), by=staff, **purchase())
    o["contract_offered"] = loan_services.murabaha_offer(
        contract=offered, markup_amount=Decimal("200.00"), by=staff
    )
    active_contract = loan_services.murabaha_acquire(contract=contract(), by=staff, **purchase())
    loan_services.murabaha_offer(
        contract=active_contract, markup_amount=Decimal("200.00"), by=staff
    )
    o["contract_active"] = loan_services.murabaha_accept(contract=active_contract, by=owner)
    # Staff work: someone to give roles to, and a pending request made by a finance
    # person who is none of the matrix's roles (so the superuser is a second person).
    o["person"], o["wallet_owner"] = UserFactory(), owner
    o["approval"] = staff_services.wallet_adjustment_request(
        user=owner,
        amount=Decimal("10.00"),
        reason="Goodwill",
        by=UserFactory(is_staff=True, roles=["finance"]),
    ).approval
    # Zakat cases of the owner: one to decide (with a supporting document), one
    # approved to pay (the owner's zakat payment above is in the fund).
    o["case_submitted"] = distribution_services.zakat_case_submit(
        by=owner, household_size=4, monthly_income=Decimal("300.00"),
        need_description="Rent arrears", amount_requested=Decimal("500.00"),
        documents=[pdf_upload()],
    )  # fmt: skip
    o["case_document"] = o["case_submitted"].documents.get()
    o["case_approved"] = distribution_services.zakat_case_approve(
        case=distribution_services.zakat_case_submit(
            by=owner, household_size=2, monthly_income=Decimal("100.00"),
            need_description="Medicine", amount_requested=Decimal("100.00"),
        ),
        by=staff, asnaf_category="fuqara", approved_amount=Decimal("100.00"),
    )  # fmt: skip
    o["payout_account"] = payout_services.payout_account_create(
        owner=owner, holder_name="Owner", iban_value="DE89370400440532013000"
    )
    return world


def pdf_upload(name: str = "letter.pdf", size: int = 0):
    """A small (or `size`-byte) PDF upload, as a browser would send it."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    body = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
    if size:
        body = body + b"0" * (size - len(body))
    return SimpleUploadedFile(name, body, content_type="application/pdf")


CASE_BODY = {
    "household_size": 3,
    "monthly_income": "250.00",
    "need_description": "School fees",
    "amount_requested": "300.00",
}


def fitr_season_open() -> bool:
    """Whether today is before this Hijri year's 1 Shawwal (zakat al-fitr is taken)."""
    return timezone.now() < fitr_deadline(zakat_selectors.fitr_current_year())


def fitr_payment_this_season(payer, *, by):
    """This year's fitr rate, and a fitr payment by `payer` (made just before the
    deadline when the season has closed, so the world has one all year round)."""
    from freezegun import freeze_time

    season = zakat_selectors.fitr_season()
    if season.rate is None:  # a second world in one database shares the first's
        zakat_services.fitr_rate_set(
            hijri_year=season.hijri_year, amount_per_person=Decimal("10.00"), by=by
        )
    if season.is_open:
        return zakat_services.fitr_payment_create(payer=payer, people=2)
    with freeze_time(season.deadline - timedelta(hours=1)):
        return zakat_services.fitr_payment_create(payer=payer, people=2)


def api_client_for(world: World, role: str) -> APIClient:
    client = APIClient()
    if role != "anon":
        client.force_authenticate(world.users[role])
    return client


def page_client_for(world: World, role: str) -> Client:
    client = Client()
    if role != "anon":
        client.force_login(world.users[role])
    return client
