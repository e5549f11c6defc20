from django.core.management.base import BaseCommand
from django.db import transaction

from payouts import crypto
from payouts.models import PayoutAccount, PayoutBatch


class Command(BaseCommand):
    help = (
        "Re-encrypt every saved IBAN (and every bank file, which names IBANs) under the "
        "newest FIELD_ENCRYPTION_KEY and recompute the IBANs' keyed hashes. Run after "
        "putting a new key first; then drop the old key."
    )

    def handle(self, *args, **options) -> None:
        count = 0
        with transaction.atomic():
            for account in PayoutAccount.objects.select_for_update().iterator():
                number = crypto.decrypt(account.iban_encrypted)
                account.iban_encrypted = crypto.rotate(account.iban_encrypted)
                account.iban_hash = crypto.keyed_hash(number)
                account.save(update_fields=["iban_encrypted", "iban_hash"])
                count += 1
            files = 0
            for batch in PayoutBatch.objects.select_for_update().iterator():
                batch.document_encrypted = crypto.rotate(batch.document_encrypted)
                batch.save(update_fields=["document_encrypted"])
                files += 1
        self.stdout.write(f"{count} bank account(s) re-encrypted under the newest key.")
        self.stdout.write(f"{files} bank file(s) re-encrypted under the newest key.")
