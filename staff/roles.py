"""The permission table: which role may do what.

One module, read by the migration that creates the roles, by the post-migrate
sync that keeps them complete, by the code that checks permissions
(`staff.permissions.user_can`, `HasPerm`), by the roles API and by the test
that keeps README's "Staff roles" table true.

A role is a Django group of the same name. Its permissions are the custom
`staff.*` ones below (one per staff action) plus Django's `view_*` model
permissions for the apps whose admin screens the role reads (written
`"loans.view_*"`). Nothing here is ever checked by `is_staff` alone.

To change the table: edit it and add a migration that calls `roles_sync` (the
post-migrate sync only ever adds; a permission taken away from a role needs a
migration that removes it on purpose).
"""

from dataclasses import dataclass

# --- Every staff permission, with what it lets its holder do ------------------------
# Codenames are in the `staff` app: check them as "staff.<codename>".
PERMISSIONS: dict[str, str] = {
    # reading
    "staff_read": "Read staff lists: approvals, everyone's records, staff reports",
    "audit_read": "Read the audit trail",
    "report_ledger_read": "Read the ledger reports: trial balance, general journal, fund balances",
    "report_portfolio_read": "Read the financing portfolio report (portfolio at risk, write-offs)",
    # people
    "roles_manage": "Give and take staff roles",
    "mfa_reset_request": "Request the reset of a staff member's second factor (a second person approves)",
    # money in the ledger
    "wallet_adjustment_request": "Request a wallet adjustment (a second person approves)",
    "ledger_reverse": "Reverse a top-up or an adjustment in the ledger",
    # campaigns
    "campaign_manage": "Activate, complete and cancel campaigns; edit live campaigns",
    "campaign_payout_request": "Request a payout from a campaign fund",
    "donation_refund": "Refund a donation to the donor's wallet",
    # financing
    "loan_decide": "Approve or reject qard hasan applications",
    "loan_disburse": "Request the disbursement of an approved loan",
    "loan_mark_defaulted": "Request the write-off of a loan or contract in default",
    "loan_record_payment": "Record a repayment received in cash or by bank",
    "loan_rebate": "Request a rebate on a murabaha contract",
    "murabaha_acquire": "Request the purchase of a murabaha asset",
    "murabaha_offer": "Offer an acquired asset to the customer at cost plus markup",
    # zakat
    "metal_price_enter": "Enter gold and silver prices",
    "zakat_record_edit": "Edit zakat records of other people",
    "zakat_disbursement_request": "Request a disbursement from a zakat fund to a case",
    "zakat_case_decide": "Approve, reject and close zakat cases; enter cases for people "
    "without an account",
    "set_fitr_rate": "Set the zakat al-fitr amount per person for a Hijri year",
    # checkers: approve (or reject) a request of each kind made by someone else
    "approve_wallet_adjustment": "Approve wallet adjustments",
    "approve_loan_disbursement": "Approve loan disbursements",
    "approve_murabaha_purchase": "Approve murabaha asset purchases",
    "approve_write_off": "Approve write-offs of defaulted debts",
    "approve_rebate": "Approve murabaha rebates",
    "approve_zakat_disbursement": "Approve zakat disbursements",
    "approve_campaign_payout": "Approve campaign payouts",
    "approve_withdrawal": "Approve wallet withdrawals above the limit",
    "approve_mfa_reset": "Approve the reset of a staff member's second factor",
}

# The approval kinds of the contract (API.md) and the permission that approves each.
APPROVAL_KINDS: tuple[str, ...] = (
    "wallet_adjustment",
    "loan_disbursement",
    "murabaha_purchase",
    "write_off",
    "rebate",
    "zakat_disbursement",
    "campaign_payout",
    "withdrawal",
    "mfa_reset",
)


def checker_perm(kind: str) -> str:
    return f"staff.approve_{kind}"


@dataclass(frozen=True)
class Role:
    name: str
    description: str
    permissions: tuple[str, ...]  # "app.codename", or "app.view_*" for every model of an app


_ALL_VIEWS = (
    "accounts.view_*",
    "zakat.view_*",
    "campaigns.view_*",
    "loans.view_*",
    "staff.view_*",
    "distribution.view_*",
    "payouts.view_*",
)
# Finance checks every outflow; a second factor's reset is checked by another
# administrator (it moves no money, it hands someone the keys to a staff account).
_CHECKER = tuple(checker_perm(kind) for kind in APPROVAL_KINDS if kind != "mfa_reset")

ROLES: tuple[Role, ...] = (
    Role(
        "administrator",
        "Manages who holds which role and resets lost second factors (with another "
        "administrator's approval); reads the audit trail. Moves no money.",
        (
            "staff.roles_manage",
            "staff.mfa_reset_request",
            "staff.approve_mfa_reset",
            "staff.staff_read",
            "staff.audit_read",
            "staff.view_*",
        ),
    ),
    Role(
        "finance",
        "Requests wallet adjustments, refunds and campaign payouts, reverses ledger postings, "
        "and is the second pair of eyes on every outflow.",
        (
            "staff.staff_read",
            "staff.wallet_adjustment_request",
            "staff.ledger_reverse",
            "staff.donation_refund",
            "staff.campaign_payout_request",
            "staff.set_fitr_rate",
            "staff.report_ledger_read",
            "staff.report_portfolio_read",
            *_CHECKER,
            "accounts.view_*",
            "payouts.view_*",
            "campaigns.view_*",
            "loans.view_*",
            "zakat.view_*",
            "distribution.view_*",
            "staff.view_approval",
        ),
    ),
    Role(
        "zakat_officer",
        "Enters metal prices, corrects zakat records, decides zakat cases and requests "
        "zakat disbursements.",
        (
            "staff.staff_read",
            "staff.metal_price_enter",
            "staff.zakat_record_edit",
            "staff.zakat_disbursement_request",
            "staff.zakat_case_decide",
            "staff.set_fitr_rate",
            "zakat.view_*",
            "distribution.view_*",
            "staff.view_approval",
        ),
    ),
    Role(
        "loan_officer",
        "Decides qard hasan applications, requests disbursements and write-offs, runs "
        "murabaha purchases and offers, records cash repayments.",
        (
            "staff.staff_read",
            "staff.loan_decide",
            "staff.loan_disburse",
            "staff.loan_mark_defaulted",
            "staff.loan_record_payment",
            "staff.loan_rebate",
            "staff.murabaha_acquire",
            "staff.murabaha_offer",
            "staff.report_portfolio_read",
            "loans.view_*",
            "staff.view_approval",
        ),
    ),
    Role(
        "campaign_manager",
        "Activates, completes and cancels campaigns and requests their payouts.",
        (
            "staff.staff_read",
            "staff.campaign_manage",
            "staff.campaign_payout_request",
            "campaigns.view_*",
            "staff.view_approval",
        ),
    ),
    Role(
        "auditor",
        "Reads every staff list, report and the audit trail; can write nothing.",
        (
            "staff.staff_read",
            "staff.audit_read",
            "staff.report_ledger_read",
            "staff.report_portfolio_read",
            *_ALL_VIEWS,
        ),
    ),
)

ROLE_NAMES: tuple[str, ...] = tuple(role.name for role in ROLES)
ROLES_BY_NAME: dict[str, Role] = {role.name: role for role in ROLES}


def custom_permissions(role: Role) -> list[str]:
    """The role's `staff.*` action permissions (no model views), as codenames."""
    return [
        perm.split(".", 1)[1]
        for perm in role.permissions
        if perm.startswith("staff.") and perm.split(".", 1)[1] in PERMISSIONS
    ]


def roles_with(perm: str) -> list[str]:
    """The roles holding a permission ("staff.x"), for docs and the README table."""
    return [role.name for role in ROLES if perm in role.permissions]


def roles_sync(apps=None) -> None:
    """Create the six groups and the custom permissions, and give each group every
    permission the table lists that exists now (adding only, never removing).

    Takes the migration's `apps` (historical models) or none for the live ones;
    safe to run any number of times."""
    if apps is None:
        from django.apps import apps as live_apps

        apps = live_apps
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")

    content_type, _ = ContentType.objects.get_or_create(app_label="staff", model="staffaction")
    for codename, description in PERMISSIONS.items():
        Permission.objects.update_or_create(
            content_type=content_type, codename=codename, defaults={"name": description[:255]}
        )
    for role in ROLES:
        group, _ = Group.objects.get_or_create(name=role.name)
        wanted = Permission.objects.none()
        for perm in role.permissions:
            app_label, codename = perm.split(".", 1)
            if codename.endswith("*"):
                matching = Permission.objects.filter(
                    content_type__app_label=app_label, codename__startswith=codename[:-1]
                )
            else:
                matching = Permission.objects.filter(
                    content_type__app_label=app_label, codename=codename
                )
            wanted = wanted | matching
        group.permissions.add(*wanted.distinct())


_READS = {"staff.view_*": "approvals, audit trail", "staff.view_approval": "approvals"}


def readme_table() -> str:
    """README's "Staff roles" tables, made from this module (a test keeps them equal)."""
    lines = [
        "| role | what it is for | may (`staff.*` permissions) | reads in the admin |",
        "|---|---|---|---|",
    ]
    for role in ROLES:
        actions = ", ".join(f"`{codename}`" for codename in custom_permissions(role))
        reads = ", ".join(
            _READS.get(perm, perm.split(".")[0]) for perm in role.permissions if ".view_" in perm
        )
        lines.append(f"| `{role.name}` | {role.description} | {actions} | {reads or '-'} |")
    lines += ["", "| permission | lets its holder | roles |", "|---|---|---|"]
    for codename, description in PERMISSIONS.items():
        holders = ", ".join(f"`{name}`" for name in roles_with(f"staff.{codename}"))
        lines.append(f"| `staff.{codename}` | {description} | {holders} |")
    return "\n".join(lines)
