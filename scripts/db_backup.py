#!/usr/bin/env python3
"""Back up and restore the PostgreSQL database (`make backup`, `make restore`).

    db_backup.py backup  --database-url URL [--out DIR]
        pg_dump in the custom format (compressed, restorable table by table) to
        DIR/<database>-<UTC time>.dump, and its SHA-256 beside it in
        <file>.sha256 (`sha256sum -c` reads it too).

    db_backup.py restore --database-url URL --file FILE --into NAME
        Checks FILE against FILE.sha256 first (a missing or different checksum
        restores nothing), creates the database NAME on URL's server (it must not
        exist: a restore never overwrites) and pg_restores into it. Then check it:
        DATABASE_URL=<URL with NAME> python manage.py ledger_verify

docs/deploy.md ("Backups and restore") adds point-in-time recovery.
"""

from __future__ import annotations

import argparse
import hashlib
import re
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

_DATABASE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")


class BackupError(Exception):
    pass


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(f"{name} not found: install the PostgreSQL client (postgresql-client)")
    return path


def _libpq_url(url: str) -> str:
    # Django-style postgres:// and libpq's postgresql:// name the same thing.
    parts = urlsplit(url)
    if parts.scheme not in {"postgres", "postgresql", "pgsql"}:
        raise BackupError("DATABASE_URL must be a PostgreSQL URL (postgres://...)")
    return urlunsplit(parts._replace(scheme="postgresql"))


def with_database(url: str, name: str) -> str:
    parts = urlsplit(_libpq_url(url))
    return urlunsplit(parts._replace(path="/" + name))


def database_name(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def checksum_file(dump: Path) -> Path:
    return dump.with_name(dump.name + ".sha256")


def backup(database_url: str, out_dir: Path) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    dump = out_dir / f"{database_name(database_url) or 'database'}-{stamp}.dump"
    subprocess.run(
        [
            _tool("pg_dump"),
            "--format=custom",
            "--no-owner",
            "--file",
            str(dump),
            "--dbname",
            _libpq_url(database_url),
        ],
        check=True,
    )
    checksum_file(dump).write_text(f"{sha256_of(dump)}  {dump.name}\n")
    return dump


def verify(dump: Path) -> None:
    listed = checksum_file(dump)
    if not dump.is_file():
        raise BackupError(f"{dump}: no such backup")
    if not listed.is_file():
        raise BackupError(f"{listed}: no checksum beside the backup; refusing to restore")
    expected = listed.read_text().split()[0].lower()
    actual = sha256_of(dump)
    if actual != expected:
        raise BackupError(
            f"{dump}: checksum mismatch (expected {expected}, got {actual}); refusing to restore"
        )


def restore(database_url: str, dump: Path, into: str) -> str:
    if not _DATABASE_NAME.match(into):
        raise BackupError(f"{into!r} is not a plain database name (letters, digits, _)")
    verify(dump)
    server = with_database(database_url, "postgres")
    exists = subprocess.run(
        [
            _tool("psql"),
            "--dbname",
            server,
            "-tAc",
            f"SELECT 1 FROM pg_database WHERE datname = '{into}'",  # noqa: S608 - name checked above
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    if exists:
        raise BackupError(f"database {into} exists; restore into a new name")
    subprocess.run(
        [_tool("psql"), "--dbname", server, "-qc", f'CREATE DATABASE "{into}"'], check=True
    )
    target = with_database(database_url, into)
    subprocess.run(
        [_tool("pg_restore"), "--no-owner", "--exit-on-error", "--dbname", target, str(dump)],
        check=True,
    )
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    make = commands.add_parser("backup")
    make.add_argument("--database-url", required=True)
    make.add_argument("--out", type=Path, default=Path("backups"))
    back = commands.add_parser("restore")
    back.add_argument("--database-url", required=True)
    back.add_argument("--file", type=Path, required=True)
    back.add_argument("--into", required=True)
    args = parser.parse_args(argv)
    try:
        if args.command == "backup":
            dump = backup(args.database_url, args.out)
            print(f"Backed up to {dump} (checksum in {checksum_file(dump).name})")
        else:
            restore(args.database_url, args.file, args.into)
            print(
                f"Restored {args.file} into {args.into}. Check it: "
                f"DATABASE_URL=<this server>/{args.into} python manage.py ledger_verify"
            )
    except BackupError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except subprocess.CalledProcessError as exc:
        print(f"error: {exc.cmd[0]} failed (exit {exc.returncode})", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
