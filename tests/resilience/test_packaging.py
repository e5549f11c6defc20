"""The image gets the code and nothing else, and production dependencies are
only what production runs (daphne and Twisted are for `runserver`)."""

import fnmatch
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def ignored(path: str) -> bool:
    patterns = [
        line.strip()
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    return any(
        fnmatch.fnmatch(path, pattern) or path.startswith(pattern.rstrip("/") + "/")
        for pattern in patterns
    )


def test_dockerignore_keeps_secrets_and_local_state_out_of_the_image():
    for path in (".env", "db.sqlite3", ".git", ".git/config", ".venv", ".venv/bin/python"):
        assert ignored(path), path
    for path in ("manage.py", "config/settings.py", "accounts/models.py", "pyproject.toml"):
        assert not ignored(path), path


def test_daphne_is_a_development_dependency_only():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    names = [dep.split("==")[0].split("[")[0].lower() for dep in project["dependencies"]]
    dev = [dep.split("==")[0].lower() for dep in project["optional-dependencies"]["dev"]]

    assert "daphne" not in names
    assert "twisted" not in names
    assert "daphne" in dev  # `make run` installs ".[dev]"


def test_nothing_outside_development_imports_daphne_or_twisted():
    offenders = [
        str(path.relative_to(ROOT))
        for folder in ("config", "accounts", "campaigns", "zakat", "loans", "staff")
        for path in (ROOT / folder).rglob("*.py")
        if "import daphne" in path.read_text()
        or "from daphne" in path.read_text()
        or "twisted" in path.read_text()
    ]
    assert offenders == []
