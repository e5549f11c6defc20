"""A throwaway PostgreSQL primary and its streaming replica on this machine.

The replica tests (tests/replicas/) and `make bench` start one: `initdb` a primary
cluster in a temporary directory on a free port, `pg_basebackup -R` a second
cluster from it (a hot standby streaming from the primary), start both, and stop
and delete both afterwards. Server binaries come from PG_BIN (default: the newest
/usr/lib/postgresql/*/bin). PostgreSQL refuses to run as root: then every server
command runs as the `postgres` OS user (runuser).

    python bench/pgpair.py   # start a pair, print the two URLs, wait for Ctrl-C
"""

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path


class PairUnavailable(RuntimeError):
    """No server binaries here (or they cannot run): callers skip with the reason."""


def server_bin() -> Path | None:
    candidates = [os.environ["PG_BIN"]] if os.environ.get("PG_BIN") else []
    candidates += sorted(
        glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[-2]), reverse=True
    )
    for path in candidates:
        if all((Path(path) / tool).exists() for tool in ("initdb", "pg_ctl", "pg_basebackup")):
            return Path(path)
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Pair:
    root: Path
    bin: Path
    primary_port: int
    replica_port: int
    run_as: str | None
    database: str = "postgres"

    def url(self, port: int, database: str | None = None) -> str:
        return f"postgres://postgres@127.0.0.1:{port}/{database or self.database}"

    @property
    def primary_url(self) -> str:
        return self.url(self.primary_port)

    @property
    def replica_url(self) -> str:
        return self.url(self.replica_port)

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        command = [*args]
        if self.run_as:
            command = ["runuser", "-u", self.run_as, "--", *command]
        return subprocess.run(command, check=check, capture_output=True, text=True, timeout=180)

    def _ctl(self, data: Path, action: str, port: int | None = None) -> None:
        args = [str(self.bin / "pg_ctl"), "-D", str(data), "-w", "-l", str(data / "log")]
        if port is not None:
            args += ["-o", f"-p {port} -k {self.root} -c listen_addresses=127.0.0.1"]
        self._run(*args, action, *(["-m", "immediate"] if action == "stop" else []))

    def start(self) -> "Pair":
        primary, replica = self.root / "primary", self.root / "replica"
        self._run(
            str(self.bin / "initdb"), "-D", str(primary), "-U", "postgres", "--auth=trust", "-E",
            "UTF8", "--locale=C.UTF-8", "--no-sync",
        )  # fmt: skip
        with (primary / "postgresql.conf").open("a") as conf:
            # Small and quick: a benchmark cluster, not a durable one.
            conf.write(
                "wal_level = replica\nmax_wal_senders = 4\nhot_standby = on\n"
                "shared_buffers = 64MB\nfsync = off\nsynchronous_commit = off\n"
                "full_page_writes = off\nmax_connections = 60\n"
            )
        self._ctl(primary, "start", self.primary_port)
        self._run(
            str(self.bin / "pg_basebackup"), "-h", "127.0.0.1", "-p", str(self.primary_port),
            "-U", "postgres", "-D", str(replica), "-R", "-X", "stream", "--no-sync",
        )  # fmt: skip
        self._ctl(replica, "start", self.replica_port)
        return self

    def stop(self) -> None:
        for name in ("replica", "primary"):
            data = self.root / name
            if (data / "postmaster.pid").exists():
                with contextlib.suppress(subprocess.SubprocessError):
                    self._ctl(data, "stop")
        shutil.rmtree(self.root, ignore_errors=True)


def start_pair() -> Pair:
    """Start a primary and its streaming replica; raises PairUnavailable when this
    machine cannot."""
    binaries = server_bin()
    if binaries is None:
        raise PairUnavailable("no PostgreSQL server binaries (initdb, pg_ctl, pg_basebackup)")
    run_as = None
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            raise PairUnavailable("running as root and there is no postgres OS user") from None
        if shutil.which("runuser") is None:
            raise PairUnavailable("running as root and runuser is missing")
        run_as = "postgres"
    root = Path(tempfile.mkdtemp(prefix="ose-pgpair-"))
    if run_as:
        entry = pwd.getpwnam(run_as)
        os.chown(root, entry.pw_uid, entry.pw_gid)
    pair = Pair(root, binaries, _free_port(), _free_port(), run_as)
    try:
        return pair.start()
    except subprocess.CalledProcessError as exc:
        pair.stop()
        raise PairUnavailable(f"{exc.cmd[-1]} failed: {exc.stderr.strip()[-500:]}") from None


def main() -> None:
    pair = start_pair()
    print(f"primary {pair.primary_url}\nreplica {pair.replica_url}", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        pair.stop()


if __name__ == "__main__":
    main()
