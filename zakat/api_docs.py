"""What the zakat API's OpenAPI schema says beside the serializers: summaries,
descriptions, examples and error tables, one block per operation.

zakat/api.py names the block of each operation (`extend_schema(**docs.X, ...)`)
and adds the serializers; the errors come from the domain error classes
themselves (config.api.schema.error_responses), so they cannot drift from what
the services raise."""

from drf_spectacular.utils import OpenApiExample, OpenApiResponse

from accounts.services import InsufficientFunds
from config.api.schema import error_responses
from zakat import calculation
from zakat.services import (
    FitrDeadlinePassed,
    FitrRateExists,
    FitrRateUnset,
    NothingToPay,
    PricesUnavailable,
    RecordNotPending,
)

TAGS = ["zakat"]
RULES = (
    "**Rules.** Nisab is 85 g of gold or 595 g of silver at the price in force. Zakat is "
    "2.5% of the whole zakatable wealth when it reaches the nisab (inclusive: wealth equal "
    "to the nisab is obligated), rounded half-up to the cent once, at the end; below the "
    "nisab it is 0.00. Zakat falls due one Hijri year (hawl) after the wealth first "
    "reached the nisab: the same Hijri day a year later by the Umm al-Qura calendar."
)
LIST_DESCRIPTION = "Newest first. Filter with `?payment_status=pending|completed|failed`."
EXAMPLE_ID = "7c9e6679-7425-40de-944b-e07fc1f90ae7"


def _request(name: str, value: dict) -> OpenApiExample:
    return OpenApiExample(name, value=value, request_only=True)


def _response(name: str, value: dict, status: int | None = None) -> OpenApiExample:
    codes = {"status_codes": [str(status)]} if status else {}
    return OpenApiExample(name, value=value, response_only=True, **codes)


# --- Fields ---------------------------------------------------------------------------

# The shape of a weight in grams; GramsField accepts exactly this.
GRAMS_PATTERN = (
    rf"^[0-9]{{1,{calculation.GRAMS_MAX_DIGITS - calculation.GRAMS_DECIMAL_PLACES}}}"
    rf"(\.[0-9]{{1,{calculation.GRAMS_DECIMAL_PLACES}}})?$"
)
GRAMS_SCHEMA = {
    "oneOf": [
        {"type": "string", "pattern": GRAMS_PATTERN, "example": "85.000"},
        {"type": "number", "minimum": 0, "example": 85},
    ],
    "description": "A weight in grams, 0 or more, at most 3 decimals, as a string or a number.",
}


# --- Example bodies -------------------------------------------------------------------

PRICE_EXAMPLE = {
    "id": EXAMPLE_ID,
    "currency": "USD",
    "gold_price_per_gram": "95.00",
    "silver_price_per_gram": "1.10",
    "as_of": "2026-11-26T09:00:00Z",
    "source": "manual",
}
RECORD_EXAMPLE = {
    "id": EXAMPLE_ID,
    "payer_id": "amina-2026",
    "wealth_amount": "10000.00",
    "nisab_threshold": "5000.00",
    "zakat_amount": "250.00",
    "is_obligated": True,
    "nisab_standard": "stated",
    "payment_status": "pending",
    "calculation_date": "2026-11-26T12:00:00Z",
    "price_snapshot": PRICE_EXAMPLE,
    "breakdown": [],
    "created_at": "2026-11-26T12:00:00Z",
    "updated_at": "2026-11-26T12:00:00Z",
}
FIGURES_EXAMPLE = {
    "payer_id": "amina-2026",
    "wealth_amount": "10000.00",
    "nisab_threshold": "5000.00",
}
RECORD_IN = _request("Record", FIGURES_EXAMPLE)
RECORD_OUT = _response("Record", RECORD_EXAMPLE)


def _line(code: str, label: str, amount: str, quantity=None, unit_price=None) -> dict:
    return {
        "code": code,
        "label": label,
        "amount": amount,
        "quantity": quantity,
        "unit_price": unit_price,
    }


V2_RESULT_EXAMPLE = {
    "zakatable_wealth": "5400.00",
    "nisab_standard": "silver",
    "nisab_threshold": "654.50",
    "gold_price_per_gram": "95.00",
    "silver_price_per_gram": "1.10",
    "prices_as_of": "2026-11-26T09:00:00Z",
    "zakat_amount": "135.00",
    "is_obligated": True,
    "breakdown": [
        _line("cash", "Cash and bank balances", "4000.00"),
        _line("gold", "Gold", "1900.00", "20.000", "95.00"),
        _line("silver", "Silver", "0.00", "0.000", "1.10"),
        _line("investments", "Investments (shares, funds)", "0.00"),
        _line("business_inventory", "Business inventory at market value", "0.00"),
        _line("receivables", "Receivables expected to be paid", "0.00"),
        _line("short_term_debts", "Short-term debts due now (deducted)", "-500.00"),
    ],
    "other_standard": {
        "nisab_standard": "gold",
        "nisab_threshold": "8075.00",
        "is_obligated": False,
    },
    "prices_stale": False,
}


# --- Calculation ----------------------------------------------------------------------

CALCULATE_V1 = {
    "tags": TAGS,
    "operation_id": "zakat_calculate_v1",
    "summary": "Calculate zakat (stated nisab)",
    "description": "Saves nothing. The caller states its wealth and the nisab threshold to "
    "use; `is_obligated` is true when `wealth_amount >= nisab_threshold` and `zakat_amount` "
    "is then 2.5% of `wealth_amount`, rounded half-up to the cent (else 0.00).\n\n" + RULES,
    "examples": [
        _request("Above the nisab", FIGURES_EXAMPLE),
        _response(
            "Obligated",
            {
                **FIGURES_EXAMPLE,
                "zakat_amount": "250.00",
                "is_obligated": True,
                "calculation_date": "2026-11-26T12:00:00Z",
            },
        ),
    ],
}
CALCULATE_V1_ERRORS = error_responses(400, 401, 429)

CALCULATE_V2 = {
    "tags": TAGS,
    "operation_id": "zakat_calculate_v2",
    "summary": "Calculate zakat, itemized (nisab from current metal prices)",
    "description": "Saves nothing. Every field is optional and 0 or more (money: 2 places; "
    "grams: up to 3). Zakatable wealth = `cash` (cash and bank balances) + `gold_grams` x "
    "gold price per gram + `silver_grams` x silver price per gram + `investments` + "
    "`business_inventory` + `receivables` (expected to be paid) - `short_term_debts` "
    "(due now), never below zero. Each of these seven lines is in `breakdown`, in that "
    "order, with its signed amount (metal lines also show grams and the price used). "
    "`gold_karat` (1 to 24, default 24) is the gold's purity: the gold counted is "
    "`gold_grams` x `gold_karat` / 24, and the gold line's `quantity` is those pure grams. "
    "`nisab_standard` is `gold` (85 g) or `silver` (595 g) at the newest price snapshot "
    "in the platform's currency, shown as `prices_as_of`; omitted, it is the platform's "
    "`ZAKAT_DEFAULT_NISAB` (`silver` unless set: the lower threshold, which favours the "
    "recipients when wealth is mixed). `other_standard` gives the verdict under the "
    "other standard. `prices_stale` is true when those prices are older than "
    "`METAL_PRICES_MAX_AGE_DAYS` (default 7). Without any snapshot in the platform's "
    "currency the answer is 503 `prices_unavailable`. A line or total too large to store "
    "(more than 9999999999999999.99) is 400 `validation_error` naming the fields. "
    "Breakdown amounts are rounded to cents for display; the total is computed from "
    "exact values and zakat is rounded once.\n\n" + RULES,
    "examples": [
        _request(
            "Savings and gold, silver standard",
            {
                "assets": {"cash": "4000.00", "gold_grams": "20", "silver_grams": "0"},
                "liabilities": {"short_term_debts": "500.00"},
                "nisab_standard": "silver",
            },
        ),
        _request(
            "22-karat jewellery, default standard",
            {"assets": {"cash": "300.00", "gold_grams": "50", "gold_karat": 22}},
        ),
        _response("Obligated", V2_RESULT_EXAMPLE),
        _response(
            "Too large to store",
            {
                "error": "validation_error",
                "message": "The request is not valid.",
                "request_id": "3d0f6c5e-8e0b-4a5e-9d43-1c2b",
                "details": {
                    "assets": [
                        "Too large: every line and the total must be at most 9999999999999999.99."
                    ]
                },
            },
            400,
        ),
    ],
}
CALCULATE_V2_ERRORS = error_responses(400, 401, 429, PricesUnavailable)


# --- Metal prices and nisab -----------------------------------------------------------

METAL_PRICE_LIST = {
    "tags": TAGS,
    "summary": "Metal price snapshots",
    "description": "Newest first; the first one is the snapshot in force. Prices are per gram "
    "in the platform currency. `source` is `manual` (entered by staff) or `feed` "
    "(fetched from METAL_PRICES_URL).",
    "examples": [_response("Snapshot", PRICE_EXAMPLE)],
}
METAL_PRICE_LIST_ERRORS = error_responses(400, 401, 429, e401="token_invalid")

METAL_PRICE_CREATE = {
    "tags": TAGS,
    "summary": "Enter current metal prices (staff)",
    "description": "Staff only. Stores a `manual` snapshot as of now; it is in force at once "
    "and sets the nisab (85 g gold / 595 g silver) for the v2 calculation.",
    "examples": [
        _request("Prices", {"gold_price_per_gram": "95.00", "silver_price_per_gram": "1.10"}),
        _response("Stored", PRICE_EXAMPLE, 201),
    ],
}
METAL_PRICE_CREATE_ERRORS = error_responses(400, 401, 403, 429)

NISAB = {
    "tags": TAGS,
    "summary": "The nisab in force",
    "description": "The newest price snapshot and both thresholds: 85 g of gold and 595 g "
    "of silver at its prices. 503 `prices_unavailable` until a snapshot exists.\n\n" + RULES,
    "examples": [
        _response(
            "Nisab",
            {
                "currency": "USD",
                "gold_price_per_gram": "95.00",
                "silver_price_per_gram": "1.10",
                "gold_nisab_grams": "85",
                "silver_nisab_grams": "595",
                "gold_nisab_threshold": "8075.00",
                "silver_nisab_threshold": "654.50",
                "as_of": "2026-11-26T09:00:00Z",
                "source": "manual",
            },
        )
    ],
}
NISAB_ERRORS = error_responses(401, 429, PricesUnavailable, e401="token_invalid")


# --- Records --------------------------------------------------------------------------

RECORD_LIST = {
    "tags": TAGS,
    "summary": "Zakat records",
    "description": "Your records; staff see everyone's. " + LIST_DESCRIPTION,
    "examples": [RECORD_OUT],
}
MY_RECORD_LIST = {
    "tags": TAGS,
    "summary": "My own zakat records",
    "description": "Only the caller's records, even for staff. " + LIST_DESCRIPTION,
    "examples": [RECORD_OUT],
}
RECORD_LIST_ERRORS = error_responses(400, 401, 429)

RECORD_CREATE = {
    "tags": TAGS,
    "summary": "Save a zakat record",
    "description": "The server computes `zakat_amount` and `is_obligated` from `wealth_amount` "
    "and `nisab_threshold` (same rule as /zakat/calculate) and keeps the price snapshot in "
    "force with the record. Starts `pending`.\n\n" + RULES,
    "examples": [RECORD_IN, _response("Created", RECORD_EXAMPLE, 201)],
}
RECORD_CREATE_ERRORS = error_responses(400, 401, 429)

RECORD_GET = {
    "tags": TAGS,
    "summary": "One zakat record",
    "description": "The owner and staff may read it; anyone else gets 403.",
    "examples": [RECORD_OUT],
}
RECORD_GET_ERRORS = error_responses(401, 403, 404, 429)

RECORD_PUT = {
    "tags": TAGS,
    "summary": "Replace a pending zakat record",
    "description": "Owner or staff, only while `pending` (else 400 `record_not_pending`). "
    "`zakat_amount` and `is_obligated` are recomputed; changed figures make the nisab a "
    "stated one and store the price snapshot now in force.\n\n" + RULES,
    "examples": [RECORD_IN, _response("Updated", RECORD_EXAMPLE)],
}
RECORD_PATCH = {
    "tags": TAGS,
    "summary": "Change a pending zakat record",
    "description": "Like PUT, with only the fields to change.\n\n" + RULES,
    "examples": [
        _request("New wealth", {"wealth_amount": "12000.00"}),
        _response("Updated", RECORD_EXAMPLE),
    ],
}
RECORD_DELETE = {
    "tags": TAGS,
    "summary": "Delete a pending zakat record",
    "description": "Owner or staff, only while `pending` (else 400 `record_not_pending`).",
}
RECORD_CHANGE_ERRORS = error_responses(400, RecordNotPending, 401, 403, 404, 429)


# --- Payments -------------------------------------------------------------------------

PAYMENT_CREATE = {
    "tags": TAGS,
    "summary": "Pay a zakat record from my wallet",
    "description": "Owner only (staff too get 403 on someone else's record: the money comes "
    "from the payer's own wallet). Moves `zakat_amount` from the wallet into the zakat "
    "fund, marks the record `completed` and e-mails a numbered receipt in the background. "
    "A record is paid at most once, also under concurrent requests. Errors: 400 "
    "`record_not_pending` (already paid or failed), 400 `nothing_to_pay` (wealth below "
    "the nisab, zakat 0.00), 402 `insufficient_funds` with `available_amount` and "
    "`required_amount`, 404 for an unknown record.",
    "examples": [
        _request("Pay", {"record_id": EXAMPLE_ID}),
        _response(
            "Paid",
            {
                "id": "0b8e2d8c-5a7a-4f7e-8f43-0d7f6c1d2e11",
                "record_id": EXAMPLE_ID,
                "amount": "250.00",
                "paid_at": "2026-11-26T12:05:00Z",
                "receipt_number": "ZK-000001",
            },
            201,
        ),
    ],
}
PAYMENT_CREATE_ERRORS = error_responses(
    400, RecordNotPending, NothingToPay, 401, 403, 404, 409, InsufficientFunds, 429
)
RECORD_DELETE_RESPONSES = {204: OpenApiResponse(description="Deleted."), **RECORD_CHANGE_ERRORS}


# --- Hawl -----------------------------------------------------------------------------

HAWL_NOT_SET = "No hawl date is set yet: PUT one first."
HAWL_EXAMPLE = {
    "start_date": "2026-01-01",
    "start_hijri": "1447-07-12",
    "next_due_date": "2026-12-21",
    "next_due_hijri": "1448-07-12",
}
HAWL_DESCRIPTION = (
    "`start_date` is the day your wealth first reached the nisab. Zakat falls due one "
    "Hijri year later: `next_due_date` is the same Hijri day of the same month in the "
    "next Hijri year by the Umm al-Qura calendar (clamped to the month's last day when "
    "that month has only 29 days), not a fixed number of days. Both dates are also given "
    "in Hijri (`YYYY-MM-DD`, Umm al-Qura). A reminder e-mail goes out a week before the "
    "due date, once per due date."
)
HAWL_GET = {
    "tags": TAGS,
    "summary": "My hawl: when my zakat falls due",
    "description": HAWL_DESCRIPTION + " 404 `not_found` until a start date is set.",
    "examples": [_response("Hawl", HAWL_EXAMPLE)],
}
HAWL_GET_ERRORS = error_responses(401, 404, 429)
HAWL_PUT = {
    "tags": TAGS,
    "summary": "Set the day my wealth reached the nisab",
    "description": HAWL_DESCRIPTION + " A date in the future, or outside the Umm al-Qura "
    "calendar (1924 to 2076), is 400 `validation_error`.",
    "examples": [
        _request("Start date", {"start_date": "2026-01-01"}),
        _response("Hawl", HAWL_EXAMPLE),
    ],
}
HAWL_PUT_ERRORS = error_responses(400, 401, 429)


# --- Zakat al-fitr --------------------------------------------------------------------

FITR_RULES = (
    "**Zakat al-fitr.** Due for every member of a household, paid before the Eid prayer "
    "(hadith of Ibn Umar, Sahih al-Bukhari 1503). Staff set the amount per person for each "
    "Hijri year (the local price of a sa' of staple food). The season is the current Hijri "
    "year (Umm al-Qura); payments close at the start of 1 Shawwal and reopen for the next "
    "year on 1 Muharram. The money goes into the fitr fund, apart from the zakat fund and "
    "from donations."
)
FITR_PAYMENT_EXAMPLE = {
    "id": "5f0c3b8e-7b1a-4a8e-9c51-3f2d7e9a1b20",
    "people": 4,
    "amount": "40.00",
    "hijri_year": 1448,
    "receipt_number": "ZF-000001",
    "paid_at": "2027-03-01T10:00:00Z",
    "amount_per_person": "10.00",
}

FITR = {
    "tags": TAGS,
    "summary": "Zakat al-fitr: this year's amount per person and deadline",
    "description": "Anyone may read it. `amount_per_person` is null until staff set it for "
    "the year; `deadline` is the start of 1 Shawwal of `hijri_year`.\n\n" + FITR_RULES,
    "examples": [
        _response(
            "Season",
            {
                "hijri_year": 1448,
                "amount_per_person": "10.00",
                "currency": "USD",
                "deadline": "2027-03-09T00:00:00Z",
            },
        )
    ],
}
FITR_ERRORS = error_responses(401, 429, e401="token_invalid")

FITR_RATE_CREATE = {
    "tags": TAGS,
    "summary": "Set the zakat al-fitr amount per person for a Hijri year (staff)",
    "description": "finance and zakat_officer (`staff.set_fitr_rate`). One rate per Hijri "
    "year, from the current year on: a second POST for a year already set is 400 "
    "`fitr_rate_exists` (a correction is made in the admin, and payments already made keep "
    "the amount they were made at). Leaves an audit event.\n\n" + FITR_RULES,
    "examples": [
        _request("Rate", {"hijri_year": 1448, "amount_per_person": "10.00"}),
        _response(
            "Set",
            {
                "id": EXAMPLE_ID,
                "hijri_year": 1448,
                "amount_per_person": "10.00",
                "currency": "USD",
                "created_at": "2026-12-03T09:00:00Z",
                "updated_at": "2026-12-03T09:00:00Z",
            },
            201,
        ),
    ],
}
FITR_RATE_CREATE_ERRORS = error_responses(400, FitrRateExists, 401, 403, 429)

FITR_PAYMENT_LIST = {
    "tags": TAGS,
    "summary": "My zakat al-fitr payments",
    "description": "Your own payments (staff: everyone's), newest first.",
    "examples": [_response("Payment", FITR_PAYMENT_EXAMPLE)],
}
FITR_PAYMENT_LIST_ERRORS = error_responses(400, 401, 429)

FITR_PAYMENT_CREATE = {
    "tags": TAGS,
    "summary": "Pay zakat al-fitr for my household from my wallet",
    "description": "`people` is 1 to 50. Moves `people` x the year's amount per person from "
    "the wallet into the fitr fund and e-mails a numbered receipt (`ZF-...`, its own "
    "sequence) in the background. Errors: 400 `fitr_rate_unset` (no amount set for the "
    "year), 400 `fitr_deadline_passed` (1 Shawwal has begun), 402 `insufficient_funds`. "
    "Send an `Idempotency-Key` to retry safely.\n\n" + FITR_RULES,
    "examples": [
        _request("Household of four", {"people": 4}),
        _response("Paid", FITR_PAYMENT_EXAMPLE, 201),
    ],
}
FITR_PAYMENT_CREATE_ERRORS = error_responses(
    400, FitrRateUnset, FitrDeadlinePassed, 401, 409, InsufficientFunds, 429
)
