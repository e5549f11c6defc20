"""Deploy checks (the sandbox, the encryption key) and key rotation."""

from io import StringIO

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command

from payouts import checks, crypto
from payouts.models import PayoutAccount
from tests.factories import UserFactory
from tests.payouts.factories import IBAN, payout_account


def _ids(messages) -> set[str]:
    return {m.id for m in messages}


def test_check_deploy_warns_on_the_sandbox_and_not_on_a_provider(settings):
    settings.DEBUG = False
    settings.PAYOUT_GATEWAY = "sandbox"
    assert _ids(checks.payout_gateway_in_production(None)) == {"payouts.W001"}

    settings.PAYOUT_GATEWAY = "tests.payouts.gateways.DeferredPayoutGateway"
    assert checks.payout_gateway_in_production(None) == []

    settings.PAYOUT_GATEWAY = "no.such.Gateway"
    assert _ids(checks.payout_gateway_in_production(None)) == {"payouts.E001"}


def test_the_encryption_key_is_required_with_debug_off_and_must_be_a_fernet_key(settings):
    settings.DEBUG = False
    settings.FIELD_ENCRYPTION_KEY = []
    assert _ids(checks.field_encryption_key_set(None)) == {"payouts.E002"}

    settings.FIELD_ENCRYPTION_KEY = ["not-a-key"]
    assert _ids(checks.field_encryption_key_set(None)) == {"payouts.E003"}

    settings.FIELD_ENCRYPTION_KEY = [Fernet.generate_key().decode()]
    assert checks.field_encryption_key_set(None) == []

    settings.DEBUG = True
    settings.FIELD_ENCRYPTION_KEY = []
    assert checks.field_encryption_key_set(None) == []  # development: derived from SECRET_KEY


@pytest.mark.django_db
def test_rotating_the_key_reencrypts_every_account_and_keeps_lookups(settings):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEY = [old]
    user = UserFactory()
    account = payout_account(user)
    before = account.iban_encrypted

    settings.FIELD_ENCRYPTION_KEY = [new, old]  # the new key first, the old still decrypts
    assert crypto.decrypt(before) == IBAN
    out = StringIO()
    call_command("rotate_payout_keys", stdout=out)
    assert "1 bank account(s)" in out.getvalue()

    settings.FIELD_ENCRYPTION_KEY = [new]  # the old key dropped
    account = PayoutAccount.objects.get(pk=account.pk)
    assert account.iban_encrypted != before
    assert crypto.decrypt(account.iban_encrypted) == IBAN
    assert account.iban_hash == crypto.keyed_hash(IBAN)
    with pytest.raises(Exception):  # noqa: B017, PT011 - the same IBAN is still refused
        payout_account(user)
