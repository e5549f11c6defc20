"""`manage.py check --deploy` reports nothing under the documented production
configuration (deploy/production.env.example), and README names every setting
that configuration takes."""

import os
import re
import secrets
import subprocess
import sys

from cryptography.fernet import Fernet

from tests.operations import procs

EXAMPLE = procs.BASE_DIR / "deploy" / "production.env.example"


def documented() -> dict[str, str]:
    lines = [x for x in EXAMPLE.read_text().splitlines() if x.strip() and not x.startswith("#")]
    return dict(line.split("=", 1) for line in lines)


def filled_in(config: dict[str, str]) -> dict[str, str]:
    """The example with its <placeholders> replaced by values of the right kind."""
    values = {}
    for key, value in config.items():
        if key == "SECRET_KEY":
            value = secrets.token_urlsafe(50)
        elif key == "FIELD_ENCRYPTION_KEY":
            value = Fernet.generate_key().decode()
        elif key == "STRIPE_SECRET_KEY":
            value = "sk_live_" + secrets.token_hex(12)
        elif key == "STRIPE_WEBHOOK_SECRET":
            value = "whsec_" + secrets.token_hex(16)
        elif key == "BANKFILE_DEBTOR_IBAN":
            value = "DE89370400440532013000"  # a valid example IBAN
        else:
            value = re.sub(r"<[^>]*>", lambda m: "x" + secrets.token_hex(8), value)
        values[key] = value
    return values


def test_check_deploy_reports_nothing_under_the_documented_configuration():
    env = filled_in(documented())
    expected: set[str] = set()
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy"],
        cwd=procs.BASE_DIR,
        # Only the documented lines: nothing of the test run's own environment.
        env={"PATH": os.environ.get("PATH", ""), **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    output = result.stdout + result.stderr

    reported = set(re.findall(r"\(([a-z_]+\.[WEC]\d{3})\)", output))
    assert reported == expected, output
    assert result.returncode == 0, output
    if not expected:
        assert "no issues" in result.stdout


def test_the_documented_configuration_is_a_production_one():
    config = documented()

    assert config["DEBUG"] == "0"
    assert config["HTTPS"] == "1"
    assert config["DATABASE_URL"].startswith("postgres://")
    assert config["REDIS_URL"].startswith("redis://")
    assert config["STAFF_MFA"] == "required"
    assert "sandbox" not in (config["PAYMENT_GATEWAY"], config["PAYOUT_GATEWAY"])


def test_readme_names_every_setting_of_the_production_configuration():
    readme = (procs.BASE_DIR / "README.md").read_text()
    start = readme.index("Production configuration:")
    paragraph = readme[start : readme.index("\n\n", start)]

    missing = [
        key for key in documented() if f"`{key}`" not in paragraph and f"`{key}=" not in paragraph
    ]

    assert missing == []
    assert "deploy/production.env.example" in paragraph
