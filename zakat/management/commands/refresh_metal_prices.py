"""Fetch gold and silver prices from METAL_PRICES_URL into a new snapshot."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from zakat import services


class Command(BaseCommand):
    help = (
        "Fetch METAL_PRICES_URL (or --url) and store a price snapshot. A failed or "
        "malformed feed keeps the current prices and exits with an error."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--url", default=None, help="Override METAL_PRICES_URL.")

    def handle(self, *args, **options) -> None:
        url = options["url"] or settings.METAL_PRICES_URL
        if not url:
            raise CommandError("METAL_PRICES_URL is not set (or pass --url).")
        snapshot = services.metal_prices_refresh(url=url)
        if snapshot is None:
            raise CommandError(
                "No new prices stored: the feed failed, was malformed or unchanged (see the log)."
            )
        self.stdout.write(self.style.SUCCESS(f"Stored {snapshot}."))
