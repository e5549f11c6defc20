from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from payouts import services


class Command(BaseCommand):
    help = (
        "Put every payout waiting for a bank file into one ISO 20022 pain.001 credit-transfer "
        "file (PAYOUT_GATEWAY=bankfile) and write it out. The file names payees' IBANs in "
        "clear: write it only where the bank upload reads it, and delete it afterwards."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--output", required=True, help="path of the pain.001 XML to write")

    def handle(self, *args, output: str, **options) -> None:
        try:
            batch = services.payout_batch_export(by=None)
        except services.NothingToExport:
            self.stdout.write("No payout is waiting for a bank file.")
            return
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from None
        document = services.payout_batch_document(batch=batch, by=None)
        path = Path(output)
        try:
            # Owner-only: the file holds bank details in clear.
            path.touch(mode=0o600, exist_ok=False)
            path.write_bytes(document)
        except OSError as exc:
            raise CommandError(
                f"Cannot write {output}: {exc.strerror}. The batch {batch.message_id} is made; "
                "download it from the admin."
            ) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"Bank file {batch.message_id}: {batch.payout_count} payouts, {batch.total}, "
                f"written to {output}."
            )
        )
