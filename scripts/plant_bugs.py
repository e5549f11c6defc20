#!/usr/bin/env python3
"""Plant small deliberate bugs, one at a time, and check that the tests catch each.

Each bug below is a rule the suite once let through: the change breaks the rule,
and at least one of the named tests must fail with it in place. The bugs are
planted in a temporary copy of this checkout, never in the files you work on, so
nothing is left behind whatever happens (Ctrl-C included) and other test runs in
the checkout are not disturbed.

    scripts/plant_bugs.py                 # every bug
    scripts/plant_bugs.py idempotency     # only the bugs whose name contains this
    DATABASE_URL=postgres://... scripts/plant_bugs.py   # on PostgreSQL

Exits 0 when every planted bug made a test fail (and the tests passed before
planting), 1 otherwise. When a bug's text is no longer in the code (the code was
rewritten), it says so: update the bug here to break the same rule again.
"""

import argparse
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
COPY_IGNORES = shutil.ignore_patterns(
    ".git", ".venv", "__pycache__", ".pytest_cache", ".ruff_cache", "staticfiles", "db.sqlite3*"
)


@dataclass(frozen=True)
class Bug:
    name: str
    rule: str
    path: str
    before: str
    after: str
    tests: tuple[str, ...]


BUGS = [
    Bug(
        name="campaign-last-day",
        rule="a campaign takes donations on its last day (the end date is inclusive)",
        path="campaigns/models.py",
        before="self.start_date <= day <= self.end_date",
        after="self.start_date <= day < self.end_date",
        tests=("tests/campaigns/test_services.py",),
    ),
    Bug(
        name="idempotency-path",
        rule="an Idempotency-Key's fingerprint includes the request path",
        path="config/idempotency.py",
        before='f"{request.method} {request.path}\\n{body}"',
        after='f"{request.method}\\n{body}"',
        tests=("tests/loans/test_api.py", "tests/campaigns/test_api.py"),
    ),
    Bug(
        name="staff-own-loan-cash",
        rule="staff may not record external cash on their own loan or contract",
        path="loans/services.py",
        before="(not by.is_staff or by.pk == owner_id)",
        after="(not by.is_staff)",
        tests=("tests/loans/test_services.py", "tests/loans/test_api.py"),
    ),
]


def run_tests(workdir: Path, tests: tuple[str, ...], report: Path) -> tuple[int, list[str]]:
    """Run `tests` in `workdir` (its own code first on the path); return pytest's exit
    code and the ids of the tests that failed or errored."""
    command = [
        sys.executable,
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        f"--junitxml={report}",
        *tests,
    ]
    completed = subprocess.run(command, cwd=workdir, capture_output=True, text=True, check=False)
    failed = []
    if report.exists():
        for case in ET.parse(report).iter("testcase"):  # noqa: S314 (pytest wrote it just now)
            if case.find("failure") is not None or case.find("error") is not None:
                failed.append(f"{case.get('classname')}::{case.get('name')}")
        report.unlink()
    if completed.returncode not in (0, 1) or (completed.returncode == 1 and not failed):
        print(completed.stdout[-3000:], completed.stderr[-3000:], sep="\n")
    return completed.returncode, failed


def plant(workdir: Path, bug: Bug) -> str | None:
    """Write the bug into the copy; return the original text, or None when the code
    no longer has the text the bug changes exactly once."""
    target = workdir / bug.path
    original = target.read_text()
    if original.count(bug.before) != 1:
        return None
    target.write_text(original.replace(bug.before, bug.after))
    return original


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("only", nargs="*", help="plant only bugs whose name contains one of these")
    args = parser.parse_args()
    bugs = [b for b in BUGS if not args.only or any(word in b.name for word in args.only)]
    if not bugs:
        print(f"No bug matches {args.only}; known: {', '.join(b.name for b in BUGS)}")
        return 1

    missed = []
    with tempfile.TemporaryDirectory(prefix="plant-bugs-") as tmp:
        workdir = Path(tmp) / "checkout"
        shutil.copytree(ROOT, workdir, ignore=COPY_IGNORES)
        report = Path(tmp) / "report.xml"
        for bug in bugs:
            print(f"\n[{bug.name}] {bug.rule}\n  planted in {bug.path}: {bug.after}")
            code, failed = run_tests(workdir, bug.tests, report)
            if code != 0:
                print(f"  NOT CHECKED: the tests fail without the bug (exit {code}): {failed}")
                missed.append(bug.name)
                continue
            original = plant(workdir, bug)
            if original is None:
                print(f"  NOT PLANTED: {bug.before!r} is not in {bug.path} exactly once")
                missed.append(bug.name)
                continue
            try:
                code, failed = run_tests(workdir, bug.tests, report)
            finally:
                (workdir / bug.path).write_text(original)
            if failed:
                print("  caught by:\n" + "\n".join(f"    {test}" for test in failed))
            elif code != 0:
                print(f"  NOT CHECKED: pytest could not run the tests (exit {code})")
                missed.append(bug.name)
            else:
                print(f"  SURVIVED: {', '.join(bug.tests)} passed with the bug (exit {code})")
                missed.append(bug.name)

    print(
        f"\n{len(bugs) - len(missed)} of {len(bugs)} planted bugs caught"
        + (f"; not caught: {', '.join(missed)}" if missed else "")
    )
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
