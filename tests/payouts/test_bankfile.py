"""Payouts by bank file: pain.001 out (validated against the ISO 20022 schema that
sepaxml ships), camt.054 back (paid, returned, once)."""

import os
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
import sepaxml
import xmlschema
from django.core.checks import run_checks
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client

from accounts import selectors as account_selectors
from accounts.models import LedgerAccount
from accounts.services import ledger_verify
from payouts import bankfile, crypto, services
from payouts.models import Payout, PayoutBatch
from staff.models import AuditEvent
from tests.factories import UserFactory, fund_wallet
from tests.payouts.factories import IBAN, OTHER_IBAN, payout_account
from tests.staff.factories import staff_with

pytestmark = pytest.mark.django_db

DEBTOR_IBAN = "DE02120300000000202051"
PAIN_XSD = Path(sepaxml.__file__).parent / "schemas" / "pain.001.001.03.xsd"
NS = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"}


@pytest.fixture
def bank(settings):
    settings.PAYOUT_GATEWAY = "bankfile"
    settings.BANKFILE_DEBTOR_NAME = "OSE Zakat & Sadaqah Institution"
    settings.BANKFILE_DEBTOR_IBAN = DEBTOR_IBAN
    settings.BANKFILE_DEBTOR_BIC = "BYLADEM1001"
    settings.PLATFORM_CURRENCY = "EUR"


def in_transit() -> Decimal:
    account = LedgerAccount.objects.filter(key=services.IN_TRANSIT_KEY).first()
    return account.balance if account else Decimal("0.00")


def withdraw(capture, amount: str, iban: str = IBAN, holder: str = "Amina Yusuf"):
    user = UserFactory()
    fund_wallet(user, Decimal("500.00"))
    account = payout_account(user, iban=iban, holder=holder)
    with capture(execute=True):
        payout = services.withdrawal_create(user=user, amount=amount, payout_account=account)
    payout.refresh_from_db()
    return user, payout


def camt054(*entries: str) -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.02">
  <BkToCstmrDbtCdtNtfctn>
    <GrpHdr><MsgId>NTF-1</MsgId><CreDtTm>2026-12-03T09:00:00</CreDtTm></GrpHdr>
    <Ntfctn>
      <Id>NTF-1-1</Id>
      <CreDtTm>2026-12-03T09:00:00</CreDtTm>
      <Acct><Id><IBAN>{DEBTOR_IBAN}</IBAN></Id></Acct>
      {"".join(entries)}
    </Ntfctn>
  </BkToCstmrDbtCdtNtfctn>
</Document>""".encode()


def entry(payout: Payout, *, indicator: str = "DBIT", status: str = "BOOK", amount=None,
          returned: str | None = None) -> str:  # fmt: skip
    amount = amount or payout.amount
    return_info = (
        f"<RtrInf><Rsn><Cd>{returned}</Cd></Rsn><AddtlInf>Account closed</AddtlInf></RtrInf>"
        if returned
        else ""
    )
    return f"""
      <Ntry>
        <Amt Ccy="EUR">{amount}</Amt>
        <CdtDbtInd>{indicator}</CdtDbtInd>
        <Sts>{status}</Sts>
        <BookgDt><Dt>2026-12-03</Dt></BookgDt>
        <ValDt><Dt>2026-12-03</Dt></ValDt>
        <BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>ICDT</Cd><SubFmlyCd>ESCT</SubFmlyCd></Fmly></Domn></BkTxCd>
        <NtryDtls><TxDtls>
          <Refs><EndToEndId>{payout.pk.hex}</EndToEndId></Refs>
          <AmtDtls><TxAmt><Amt Ccy="EUR">{amount}</Amt></TxAmt></AmtDtls>
          {return_info}
        </TxDtls></NtryDtls>
      </Ntry>"""


# --- handing payouts to the bank-file gateway --------------------------------------------------


def test_a_withdrawal_waits_for_the_next_bank_file(bank, django_capture_on_commit_callbacks):
    _, payout = withdraw(django_capture_on_commit_callbacks, "120.00")

    assert payout.status == Payout.Status.PROCESSING
    assert payout.gateway == "bankfile"
    assert payout.provider_reference == payout.pk.hex
    assert payout.batch is None
    assert in_transit() == Decimal("120.00")
    assert list(services.payouts_awaiting_bank_file()) == [payout]


# --- pain.001 out ------------------------------------------------------------------------------


def test_export_makes_a_schema_valid_pain001(bank, django_capture_on_commit_callbacks):
    finance = staff_with("finance")
    _, first = withdraw(django_capture_on_commit_callbacks, "120.00", holder="Amina Yusuf")
    _, second = withdraw(django_capture_on_commit_callbacks, "80.55", OTHER_IBAN, "Bilal Öztürk")

    batch = services.payout_batch_export(by=finance)
    document = services.payout_batch_document(batch=batch, by=finance)

    xmlschema.XMLSchema(str(PAIN_XSD)).validate(document.decode())
    tree = xmlschema.XMLResource(document.decode()).root
    header = tree.find("p:CstmrCdtTrfInitn/p:GrpHdr", NS)
    assert header.find("p:NbOfTxs", NS).text == "2"
    assert header.find("p:CtrlSum", NS).text == "200.55"
    assert header.find("p:MsgId", NS).text == batch.message_id
    transfers = {
        tx.find("p:PmtId/p:EndToEndId", NS).text: tx for tx in tree.iterfind(".//p:CdtTrfTxInf", NS)
    }
    assert set(transfers) == {first.pk.hex, second.pk.hex}
    assert transfers[first.pk.hex].find("p:Amt/p:InstdAmt", NS).text == "120.00"
    assert transfers[first.pk.hex].find("p:Amt/p:InstdAmt", NS).get("Ccy") == "EUR"
    assert transfers[first.pk.hex].find("p:CdtrAcct/p:Id/p:IBAN", NS).text == IBAN
    assert transfers[second.pk.hex].find("p:Cdtr/p:Nm", NS).text == "Bilal Ozturk"
    assert tree.find(".//p:DbtrAcct/p:Id/p:IBAN", NS).text == DEBTOR_IBAN

    assert (batch.payout_count, batch.total) == (2, Decimal("200.55"))
    assert set(batch.payouts.values_list("sent_at", flat=True)) == {batch.created_at}
    assert set(batch.payouts.values_list("status", flat=True)) == {"processing"}
    assert in_transit() == Decimal("200.55")  # nothing has left yet
    # The file names IBANs in clear: it is kept only encrypted.
    stored = PayoutBatch.objects.values_list("document_encrypted", flat=True).get()
    assert IBAN not in stored
    assert crypto.decrypt(stored).encode() == document
    assert AuditEvent.objects.filter(action="payout_batch.exported", actor=finance).count() == 1
    assert AuditEvent.objects.filter(action="payout_batch.downloaded", actor=finance).count() == 1


def test_a_payout_goes_in_one_file_only(bank, django_capture_on_commit_callbacks):
    withdraw(django_capture_on_commit_callbacks, "10.00")
    services.payout_batch_export(by=None)

    with pytest.raises(services.NothingToExport):
        services.payout_batch_export(by=None)
    assert PayoutBatch.objects.count() == 1


def test_export_without_the_institutions_account_is_refused(
    bank, settings, django_capture_on_commit_callbacks
):
    withdraw(django_capture_on_commit_callbacks, "10.00")
    settings.BANKFILE_DEBTOR_IBAN = "DE00123"

    with pytest.raises(ValidationError, match="BANKFILE_DEBTOR_IBAN"):
        services.payout_batch_export(by=None)
    assert not PayoutBatch.objects.exists()


def test_export_command_writes_the_file(bank, tmp_path, django_capture_on_commit_callbacks):
    withdraw(django_capture_on_commit_callbacks, "42.00")
    output = tmp_path / "batch.xml"
    out = StringIO()

    call_command("export_payout_batch", "--output", str(output), stdout=out)

    assert "1 payouts, 42.00" in out.getvalue()
    xmlschema.XMLSchema(str(PAIN_XSD)).validate(output.read_text())
    assert oct(os.stat(output).st_mode & 0o777) == "0o600"
    call_command("export_payout_batch", "--output", str(tmp_path / "again.xml"), stdout=out)
    assert "No payout is waiting" in out.getvalue()


# --- camt.054 back -----------------------------------------------------------------------------


def test_a_transfer_booked_then_returned_comes_back_once(bank, django_capture_on_commit_callbacks):
    """camt.053 shows the debit of the transfer and, later, the payee's bank sending
    it back: the payout is paid, then failed, and its money is back in the wallet."""
    finance = staff_with("finance")
    owner, payout = withdraw(django_capture_on_commit_callbacks, "80.00")
    services.payout_batch_export(by=finance)
    statement = camt054(entry(payout), entry(payout, indicator="CRDT", returned="AC04"))

    with django_capture_on_commit_callbacks(execute=True):
        report = services.bank_statement_import(document=statement, by=finance)
    again = services.bank_statement_import(document=statement, by=finance)

    payout.refresh_from_db()
    assert (report.paid, report.failed) == ([payout.pk.hex], [payout.pk.hex])
    assert again.already_settled == [payout.pk.hex, payout.pk.hex]
    assert payout.status == Payout.Status.FAILED
    assert account_selectors.wallet_balance(user=owner) == Decimal("500.00")
    assert in_transit() == Decimal("0.00")
    assert ledger_verify().problems == []


def test_camt054_paid_and_failed_money_returned_once(bank, django_capture_on_commit_callbacks):
    finance = staff_with("finance")
    _, paid = withdraw(django_capture_on_commit_callbacks, "120.00")
    owner, failed = withdraw(django_capture_on_commit_callbacks, "80.00", OTHER_IBAN)
    services.payout_batch_export(by=finance)
    statement = camt054(entry(paid), entry(failed, indicator="CRDT", returned="AC04"))
    assert account_selectors.wallet_balance(user=owner) == Decimal("420.00")

    with django_capture_on_commit_callbacks(execute=True):
        report = services.bank_statement_import(document=statement, by=finance)
    again = services.bank_statement_import(document=statement, by=finance)

    paid.refresh_from_db()
    failed.refresh_from_db()
    assert (report.paid, report.failed, report.problems) == ([paid.pk.hex], [failed.pk.hex], [])
    assert paid.status == Payout.Status.PAID
    assert failed.status == Payout.Status.FAILED
    assert failed.failure_reason == "returned by the bank (AC04): Account closed"
    # The money of the returned transfer is back in the wallet, once.
    assert account_selectors.wallet_balance(user=owner) == Decimal("500.00")
    assert in_transit() == Decimal("0.00")
    assert sorted(again.already_settled) == sorted([paid.pk.hex, failed.pk.hex])
    assert account_selectors.wallet_balance(user=owner) == Decimal("500.00")
    assert ledger_verify().problems == []
    assert AuditEvent.objects.filter(action="payout.paid", actor=finance).count() == 1
    assert AuditEvent.objects.filter(action="payout.failed", actor=finance).count() == 1


def test_statement_lines_that_do_not_match_settle_nothing(bank, django_capture_on_commit_callbacks):
    _, waiting = withdraw(django_capture_on_commit_callbacks, "50.00")  # never exported
    _, exported = withdraw(django_capture_on_commit_callbacks, "60.00", OTHER_IBAN)
    services.payout_batch_export(by=None, payout_ids=[exported.pk])
    statement = camt054(
        entry(waiting),
        entry(exported, amount="61.00"),
        entry(exported, status="PDNG"),  # not final: ignored
    )

    report = services.bank_statement_import(document=statement, by=None)

    assert report.paid == report.failed == []
    assert len(report.problems) == 2
    assert set(Payout.objects.values_list("status", flat=True)) == {"processing"}


@pytest.mark.parametrize(
    "document",
    [
        b"not xml",
        b"<Other/>",
        b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x "boom">]><Document>&x;</Document>',
    ],
)
def test_unreadable_statements_are_refused(bank, document):
    with pytest.raises(ValidationError):
        services.bank_statement_import(document=document, by=None)


def test_import_command(bank, tmp_path, django_capture_on_commit_callbacks):
    _, payout = withdraw(django_capture_on_commit_callbacks, "70.00")
    services.payout_batch_export(by=None)
    path = tmp_path / "camt054.xml"
    path.write_bytes(camt054(entry(payout)))
    out = StringIO()

    call_command("import_bank_statement", str(path), stdout=out)

    assert "paid: 1" in out.getvalue()
    payout.refresh_from_db()
    assert payout.status == Payout.Status.PAID
    path.write_bytes(camt054(entry(payout, amount="1.00")))
    with pytest.raises(CommandError):
        call_command("import_bank_statement", str(path), stdout=StringIO())


def test_camt053_statement_is_read_too():
    document = b"""<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08">
      <BkToCstmrStmt><Stmt><Ntry>
        <Amt Ccy="EUR">10.00</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>
        <NtryDtls><TxDtls><Refs><EndToEndId>abc</EndToEndId></Refs></TxDtls></NtryDtls>
      </Ntry></Stmt></BkToCstmrStmt></Document>"""

    assert bankfile.camt_lines(document) == [
        bankfile.StatementLine(end_to_end_id="abc", amount=Decimal("10.00"), paid=True)
    ]


# --- configuration -----------------------------------------------------------------------------


def test_bankfile_without_the_debtor_account_is_a_check_error(settings):
    settings.PAYOUT_GATEWAY = "bankfile"
    settings.BANKFILE_DEBTOR_NAME = ""
    settings.BANKFILE_DEBTOR_IBAN = ""

    ids = [m.id for m in run_checks(include_deployment_checks=True)]

    assert ids.count("payouts.E004") == 2


def test_configured_bankfile_is_silent(bank):
    ids = {m.id for m in run_checks(include_deployment_checks=True)}

    assert not {"payouts.E004", "payouts.W001"} & ids


# --- the admin ---------------------------------------------------------------------------------


def _admin(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_finance_exports_downloads_and_imports_in_the_admin(
    bank, django_capture_on_commit_callbacks
):
    owner, payout = withdraw(django_capture_on_commit_callbacks, "90.00")
    client = _admin(staff_with("finance"))

    page = client.get("/admin/payouts/payoutbatch/export/")
    assert "1 payout (90.00) waits" in page.content.decode()
    assert client.post("/admin/payouts/payoutbatch/export/").status_code == 302
    batch = PayoutBatch.objects.get()
    listing = client.get("/admin/payouts/payoutbatch/")
    assert batch.message_id in listing.content.decode()
    assert IBAN not in listing.content.decode()

    download = client.get(f"/admin/payouts/payoutbatch/{batch.pk}/download/")
    assert download["Content-Type"] == "application/xml"
    xmlschema.XMLSchema(str(PAIN_XSD)).validate(download.content.decode())

    upload = SimpleUploadedFile(
        "camt054.xml", camt054(entry(payout, indicator="CRDT", returned="AC01"))
    )
    with django_capture_on_commit_callbacks(execute=True):
        result = client.post("/admin/payouts/payoutbatch/statement/", {"statement": upload})
    assert "returned (failed): 1" in result.content.decode()
    payout.refresh_from_db()
    assert payout.status == Payout.Status.FAILED
    assert account_selectors.wallet_balance(user=owner) == Decimal("500.00")


def test_the_payout_action_puts_the_selected_in_a_file(bank, django_capture_on_commit_callbacks):
    _, chosen = withdraw(django_capture_on_commit_callbacks, "15.00")
    _, other = withdraw(django_capture_on_commit_callbacks, "25.00", OTHER_IBAN)

    response = _admin(staff_with("finance")).post(
        "/admin/payouts/payout/", {"action": "export_bank_file", "_selected_action": [chosen.pk]}
    )

    assert response.status_code == 302
    chosen.refresh_from_db()
    other.refresh_from_db()
    assert chosen.batch is not None
    assert other.batch is None


def test_a_bad_statement_upload_is_a_form_error(bank):
    client = _admin(staff_with("finance"))

    response = client.post(
        "/admin/payouts/payoutbatch/statement/",
        {"statement": SimpleUploadedFile("x.xml", b"<not xml")},
    )

    assert response.status_code == 200
    assert "not XML" in response.content.decode()


@pytest.mark.parametrize("role", ["campaign_manager", "auditor"])
def test_other_roles_may_not_touch_bank_files(bank, role, django_capture_on_commit_callbacks):
    withdraw(django_capture_on_commit_callbacks, "15.00")
    services.payout_batch_export(by=None)
    batch = PayoutBatch.objects.get()
    client = _admin(staff_with(role))

    assert client.get(f"/admin/payouts/payoutbatch/{batch.pk}/download/").status_code == 403
    assert client.post("/admin/payouts/payoutbatch/export/").status_code == 403
    assert not AuditEvent.objects.filter(action="payout_batch.downloaded").exists()


def test_key_rotation_re_encrypts_bank_files(bank, settings, django_capture_on_commit_callbacks):
    from cryptography.fernet import Fernet

    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEY = [old]
    withdraw(django_capture_on_commit_callbacks, "12.00")
    batch = services.payout_batch_export(by=None)
    document = services.payout_batch_document(batch=batch, by=None)

    settings.FIELD_ENCRYPTION_KEY = [new, old]
    out = StringIO()
    call_command("rotate_payout_keys", stdout=out)
    settings.FIELD_ENCRYPTION_KEY = [new]  # the old key dropped

    assert "1 bank file(s)" in out.getvalue()
    batch.refresh_from_db()
    assert services.payout_batch_document(batch=batch, by=None) == document
