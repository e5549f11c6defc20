"""Settings for the ledger benchmark process only (bench/ledger.py).

The project's settings plus django-hordak, the peer it is measured against.
hordak is installed by the `bench` extra (pyproject.toml) and is never in the
project's INSTALLED_APPS: only a process started with
DJANGO_SETTINGS_MODULE=bench.ledger_settings sees it.
"""

from config.settings import *  # noqa: F403
from config.settings import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "mptt", "djmoney", "hordak"]
DEFAULT_CURRENCY = "USD"
HORDAK_CURRENCIES = ["USD"]
CURRENCIES = ["USD"]
