"""Backups of the default database and restores from them (``manage.py backup``, ``restore``).

Each backend's own consistent online copy: SQLite's backup API, ``pg_dump``
(one snapshot) and ``mariadb-dump --single-transaction``. So a backup taken
while clerks keep saving holds every document committed before its snapshot
began and no part of one committed after.

A backup is checked by restoring it into a throwaway database and running
``migrate --check`` and ``verify_stock`` there, in a child process whose
``DATABASE_URL`` names that database (the settings read the database from it,
and everything else from the same environment as this process). A restore is
checked the same way, against the restored database.

Nothing here deletes the database it replaces: a restore moves it aside (files
into a folder, or a renamed database) and says where.
"""

import os
import re
import secrets
import shlex
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path
from typing import NoReturn
from urllib.parse import quote, urlsplit, urlunsplit

from django.conf import settings
from django.core.management.base import CommandError
from django.db import DEFAULT_DB_ALIAS, connections

Report = Callable[[str], None]

BACKUP_PREFIX = "inventory-"
TIMESTAMP_FORMAT = "%Y-%m-%dT%H%M%SZ"
# The names `backup` gives its files, and the only files `--keep` ever deletes.
BACKUP_NAME = re.compile(r"^inventory-\d{4}-\d{2}-\d{2}T\d{6}Z\.(sqlite3|dump|sql)$")
FAILED_SUFFIX = ".failed"
VENDOR_NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL", "mysql": "MariaDB/MySQL"}
# How long a restore waits for SQLite's write lock before deciding that
# another process is writing.
LOCK_TIMEOUT_SECONDS = 2
# A SQLite database's files: a restore moves them all aside together.
SQLITE_FILES = ("", "-wal", "-shm", "-journal")
# PostgreSQL and MariaDB both cut database names at 64 bytes (63 on PostgreSQL).
MAX_DATABASE_NAME = 63


def utc_now() -> datetime:
    return datetime.now(UTC)


def backup_file_name(suffix: str, when: datetime) -> str:
    """``inventory-2026-12-03T140501Z.sqlite3``: sorts by time, and says the backend."""
    return f"{BACKUP_PREFIX}{when.strftime(TIMESTAMP_FORMAT)}{suffix}"


def default_backup_directory() -> Path:
    return Path(settings.BASE_DIR) / "backups"


def backup_vendor(path: Path) -> str | None:
    """Which backend's backup the file holds, by its first bytes (not its name)."""
    with path.open("rb") as backup:
        start = backup.read(4096)
    if start.startswith(b"SQLite format 3\x00"):
        return "sqlite"
    if start.startswith(b"PGDMP"):
        return "postgresql"
    if b"-- MariaDB dump" in start or b"-- MySQL dump" in start:
        return "mysql"
    return None


def prune_backups(directory: Path, suffix: str, keep: int, written: Path) -> list[Path]:
    """Keep ``written`` and the newest ``keep - 1`` other backups with ``suffix``; delete the rest.

    Returns the deleted files. ``written``, the backup just made, is never
    deleted, even if another name sorts after it (a clock set wrong once).
    Only files named as ``backup`` names them count: other files, failed
    backups and other backends' backups are never touched.
    """
    others = sorted(
        path
        for path in directory.iterdir()
        if BACKUP_NAME.match(path.name)
        and path.suffix == suffix
        and path.is_file()
        and path.name != written.name
    )
    # The timestamp in the name sorts them oldest first.
    deleted = others[: max(len(others) - (keep - 1), 0)]
    for path in deleted:
        path.unlink()
    return deleted


def fsync_file(path: Path) -> None:
    with path.open("rb") as written:
        os.fsync(written.fileno())


def fsync_directory(path: Path) -> None:
    """Make a rename in ``path`` durable (a no-op where directories cannot be opened)."""
    with suppress(OSError):
        descriptor = os.open(path, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


def run_tool(arguments: list[str], *, env: dict[str, str], what: str, stdin=None) -> str:
    """Run a client tool; its output, or a CommandError quoting its error output."""
    completed = subprocess.run(
        arguments, env=env, stdin=stdin, capture_output=True, text=True, check=False
    )
    if completed.returncode:
        output = (completed.stderr or completed.stdout).strip()
        raise CommandError(
            f"{what} failed ({arguments[0]} exited with {completed.returncode}):\n{output}"
        )
    return completed.stdout


def require_tool(*names: str) -> str:
    """The first of ``names`` on PATH (alternatives), or a CommandError naming the package."""
    for name in names:
        found = shutil.which(name)
        if found:
            return found
    raise CommandError(
        f"{' or '.join(names)} is not installed or not on PATH. Install the database's client "
        "tools (Debian/Ubuntu: postgresql-client, or mariadb-client), at least the server's "
        "version."
    )


def run_checks(database_url: str, where: str, report: Report) -> None:
    """``migrate --check`` and ``verify_stock`` against the database at ``database_url``.

    In a child process: the settings take the database from ``DATABASE_URL``
    and everything else from this process's environment. Raises a
    CommandError naming the check that failed.
    """
    environment = {**os.environ, "DATABASE_URL": database_url}
    manage = str(Path(settings.BASE_DIR) / "manage.py")
    # --skip-checks: the system checks test this code and its settings, not
    # the data; they would only double each check's start-up time.
    checks = [
        ("manage.py migrate --check", ["migrate", "--check"], "every migration is applied"),
        ("manage.py verify_stock", ["verify_stock"], None),
    ]
    for command, arguments, success in checks:
        completed = subprocess.run(
            [sys.executable, manage, *arguments, "--skip-checks"],
            env=environment,
            cwd=settings.BASE_DIR,
            capture_output=True,
            text=True,
            check=False,
        )
        if completed.returncode:
            output = "\n".join((completed.stdout + completed.stderr).strip().splitlines()[-20:])
            raise CommandError(
                f"Verification failed: `{command}` against {where} exited with "
                f"{completed.returncode}:\n{output}"
            )
        lines = completed.stdout.strip().splitlines()
        report(f"  {command}: {success or (lines[-1] if lines else 'ok')}")


def sqlite_integrity(path: Path) -> str:
    """``PRAGMA integrity_check`` of the file: "ok", or what is wrong."""
    checked = sqlite3.connect(path)
    try:
        rows = checked.execute("PRAGMA integrity_check").fetchall()
    except sqlite3.DatabaseError as error:
        return str(error)
    finally:
        checked.close()
    return "\n".join(row[0] for row in rows[:10])


def primary_code(error: sqlite3.Error) -> int | None:
    """SQLite's primary result code (SQLITE_BUSY…) of ``error``, without its extended bits."""
    code = getattr(error, "sqlite_errorcode", None)
    return None if code is None else code & 0xFF


def drop_scratch(drop: Callable[[], object], scratch: str, report: Report) -> None:
    """Drop a verify's temporary database; if that fails, say so, as a warning only.

    The backup's verdict is the checks': a leftover database does not make a
    good backup bad (and a failed check's error goes on as it is).
    """
    try:
        drop()
    except CommandError as error:
        report(
            f"Warning: could not drop the temporary database {scratch} ({error}). "
            f"Drop it by hand: DROP DATABASE {scratch}"
        )


def require_integrity(path: Path, what: str, report: Report) -> None:
    result = sqlite_integrity(path)
    if result != "ok":
        raise CommandError(f"Verification failed: PRAGMA integrity_check of {what}: {result}")
    report("  PRAGMA integrity_check: ok")


class Database:
    """The default database as its backend's tools see it."""

    vendor = ""
    suffix = ""

    def __init__(self, settings_dict: dict):
        self.settings_dict = settings_dict
        self.name = str(settings_dict["NAME"])

    @property
    def label(self) -> str:
        return VENDOR_NAMES[self.vendor]

    def require_tools(self) -> None:
        """Raise a CommandError if a client tool the backend needs is missing."""

    def dump(self, path: Path, report: Report) -> None:
        """Write a consistent backup of the database to ``path``."""
        raise NotImplementedError

    def verify(self, backup: Path, report: Report) -> None:
        """Restore ``backup`` into a throwaway database and check it there."""
        raise NotImplementedError

    def restore(self, backup: Path, report: Report) -> None:
        """Put the current database aside, restore ``backup`` in its place, check it."""
        raise NotImplementedError

    def url(self, name: str) -> str:
        """A DATABASE_URL for the database ``name`` on the same server, as the same user.

        The configured DATABASE_URL with only the name changed, so its options
        (sslmode…) carry over; built from the settings when there is none.
        """
        configured = os.environ.get("DATABASE_URL")
        if configured:
            parts = urlsplit(configured)
            return urlunsplit(parts._replace(path="/" + quote(name)))
        scheme = {"postgresql": "postgres", "mysql": "mysql"}[self.vendor]
        user = quote(self.settings_dict.get("USER") or "", safe="")
        password = self.settings_dict.get("PASSWORD") or ""
        credentials = f"{user}:{quote(password, safe='')}" if password else user
        host = self.settings_dict.get("HOST") or ""
        port = self.settings_dict.get("PORT")
        netloc = f"{credentials}@{host}{f':{port}' if port else ''}"
        return f"{scheme}://{netloc}/{quote(name)}"

    def scratch_name(self, purpose: str, when: datetime) -> str:
        """A database name beside this one, e.g. ``inventory_verify_20261203_140501_a1b2``."""
        suffix = f"_{purpose}_{when.strftime('%Y%m%d_%H%M%S')}"
        if purpose == "verify":  # several backups may verify at once
            suffix += f"_{secrets.token_hex(2)}"
        return self.name[: MAX_DATABASE_NAME - len(suffix)] + suffix


class SQLiteDatabase(Database):
    vendor = "sqlite"
    suffix = ".sqlite3"

    def __init__(self, settings_dict: dict):
        super().__init__(settings_dict)
        if self.name == ":memory:" or "mode=memory" in self.name:
            raise CommandError("The database is in memory: there is no file to back up or restore.")
        self.path = Path(self.name).resolve()

    def url(self, name: str) -> str:
        return f"sqlite:///{Path(name).resolve()}"

    def dump(self, path: Path, report: Report) -> None:
        if not self.path.exists():
            raise CommandError(f"There is no database at {self.path} to back up.")
        # A writer's commit can hold the lock briefly: wait as the app's connections do.
        timeout = self.settings_dict.get("OPTIONS", {}).get("timeout", 20)
        source = sqlite3.connect(self.path, timeout=timeout)
        target = sqlite3.connect(path)
        try:
            # One step (pages=-1): the whole copy is read in one read
            # transaction, one snapshot, while writers carry on in the WAL.
            source.backup(target)
            # A single self-contained file: no -wal needed beside it.
            target.execute("PRAGMA journal_mode=DELETE")
        finally:
            target.close()
            source.close()
        report(
            f"Backed up the SQLite database {self.path} with SQLite's online backup API "
            "(one consistent snapshot, taken while the app may write)."
        )

    def verify(self, backup: Path, report: Report) -> None:
        with tempfile.TemporaryDirectory(prefix="inventory-verify-") as directory:
            copy = Path(directory) / "verify.sqlite3"
            shutil.copyfile(backup, copy)
            report(f"Verifying: restored a copy of the backup into {copy} (deleted afterwards).")
            require_integrity(copy, "the restored copy", report)
            run_checks(self.url(str(copy)), "the restored copy", report)

    def check_no_writer(self) -> None:
        """Refuse if another connection holds (or is waiting for) the write lock.

        The check leaves the files as they are: with checkpoint-on-close off,
        closing this connection does not fold a leftover -wal into the
        database, so what is moved aside is exactly what was there.
        """
        probe = sqlite3.connect(self.path, timeout=LOCK_TIMEOUT_SECONDS, isolation_level=None)
        try:
            probe.setconfig(sqlite3.SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, True)
            probe.execute("BEGIN EXCLUSIVE")
            probe.execute("ROLLBACK")
        except sqlite3.OperationalError as error:
            if primary_code(error) not in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
                raise
            raise CommandError(
                f"Another process holds the write lock on {self.path} (waited "
                f"{LOCK_TIMEOUT_SECONDS} s for it): the app, or a command, is still writing. "
                "Stop it and run the restore again. Nothing was changed."
            ) from error
        finally:
            probe.close()

    def refuse_unfolded_transactions(self, backup: Path) -> None:
        """Refuse a backup file with a -wal or hot -journal beside it: copying the file alone
        would silently lose what they hold (e.g. restoring from a ``-before-restore-`` folder).
        """
        for ending in ("-wal", "-journal"):
            beside = backup.with_name(backup.name + ending)
            if beside.exists() and beside.stat().st_size:
                raise CommandError(
                    f"{backup} has a non-empty {beside.name} beside it: committed changes that "
                    "are not in the file yet, and restoring the file alone would lose them. "
                    "Fold them in first by opening it once with the sqlite3 tool "
                    f"(`sqlite3 {shlex.quote(str(backup))} 'PRAGMA integrity_check'`; on a copy "
                    "of the files, if you want to keep them as they are), then run the restore "
                    "again. For a `-before-restore-` folder you can instead move its files back "
                    "beside the database by hand, with the app stopped. Nothing was changed."
                )

    def match_replaced_file(self, staging: Path, report: Report) -> None:
        """Give the restored file the mode and owner of the one it replaces (0600 if none).

        Not the restoring user's umask (world-readable password hashes) nor,
        when run as root, root's ownership (the app could not write to it).
        """
        try:
            current = self.path.stat()
        except OSError:
            os.chmod(staging, 0o600)
            return
        os.chmod(staging, current.st_mode & 0o7777)
        if os.geteuid() == 0:
            os.chown(staging, current.st_uid, current.st_gid)
        else:
            with suppress(PermissionError):  # only a group this user is in
                os.chown(staging, -1, current.st_gid)
        if staging.stat().st_uid != current.st_uid:
            report(
                f"Warning: the restored file will belong to uid {staging.stat().st_uid}, not to "
                f"uid {current.st_uid} as {self.path} does: run restore as the app's user, or "
                f"chown the file before starting the app."
            )

    def restore(self, backup: Path, report: Report) -> None:
        when = utc_now()
        stamp = when.strftime(TIMESTAMP_FORMAT)
        if not self.path.parent.is_dir():
            raise CommandError(f"The database's directory {self.path.parent} does not exist.")
        self.refuse_unfolded_transactions(backup)
        # Copied beside the database first, so the swap below is one rename on
        # one file system, and a bad backup is found before anything moves.
        # Made readable by its owner only before anything is copied into it.
        staging = self.path.with_name(f".{self.path.name}.restoring-{stamp}")
        os.close(os.open(staging, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
        try:
            shutil.copyfile(backup, staging)
            result = sqlite_integrity(staging)
            if result != "ok":
                raise CommandError(
                    f"The backup {backup} fails PRAGMA integrity_check ({result}); "
                    "nothing was changed."
                )
            # Self-contained, so nothing but this one file needs to move in.
            copy = sqlite3.connect(staging)
            try:
                copy.execute("PRAGMA journal_mode=DELETE")
            finally:
                copy.close()
            self.match_replaced_file(staging, report)
            fsync_file(staging)
            # This process is not the app: its own connection must not count.
            connections[DEFAULT_DB_ALIAS].close()
            files = [self.path.with_name(self.path.name + ending) for ending in SQLITE_FILES]
            if self.path.exists():
                before = [path for path in files if path.exists()]
                try:
                    self.check_no_writer()
                except sqlite3.DatabaseError as error:
                    if primary_code(error) not in (sqlite3.SQLITE_NOTADB, sqlite3.SQLITE_CORRUPT):
                        raise CommandError(
                            f"Could not check whether another process writes to {self.path} "
                            f"({error}). Nothing was changed."
                        ) from error
                    # What restores are for: a database too damaged to open.
                    report(f"The current database could not be opened ({error}); moving it aside.")
                # The check's connection leaves an empty -wal and -shm where
                # there were none: its own, holding nothing.
                for path in set(files) - set(before):
                    if path.exists() and (path.name.endswith("-shm") or not path.stat().st_size):
                        path.unlink()
            # Listed only now: opening the database for the check may have
            # rolled back a hot -journal and deleted it.
            present = [path for path in files if path.exists()]
            aside = self.path.with_name(f"{self.path.name}-before-restore-{stamp}")
            if present:
                moved_names = ", ".join(path.name for path in present)
                report(f"Moving the current {moved_names} aside to {aside}/ (nothing deleted).")
            moved: list[Path] = []
            made_aside = replaced = False
            try:
                if present:
                    aside.mkdir()
                    made_aside = True
                for path in present:
                    os.replace(path, aside / path.name)
                    moved.append(path)
                os.replace(staging, self.path)
                replaced = True
                fsync_directory(self.path.parent)
            except BaseException as error:

                def put_back() -> None:
                    if replaced and self.path not in moved:
                        self.path.unlink()
                    for path in reversed(moved):
                        os.replace(aside / path.name, path)
                    if made_aside:
                        aside.rmdir()
                    fsync_directory(self.path.parent)

                undo_restore(
                    error,
                    put_back,
                    str(self.path),
                    f"The previous database's files are in {aside}/ (those not moved back are "
                    f"still there); {self.path} may be the restored copy or missing.",
                    f"mv -f -- {shlex.quote(str(aside))}/* {shlex.quote(str(self.path.parent))}/",
                )
        finally:
            staging.unlink(missing_ok=True)
        if not present:
            report(f"There was no database at {self.path}: nothing to move aside.")
        report(f"Copied the backup {backup} to {self.path}.")
        report("Checking the restored database:")
        require_integrity(self.path, "the restored database", report)
        run_checks(self.url(str(self.path)), "the restored database", report)


class PostgreSQLDatabase(Database):
    vendor = "postgresql"
    suffix = ".dump"
    # Connection options django-environ takes from the URL's query, as libpq's variables.
    LIBPQ_VARIABLES = {
        "sslmode": "PGSSLMODE",
        "sslrootcert": "PGSSLROOTCERT",
        "sslcert": "PGSSLCERT",
        "sslkey": "PGSSLKEY",
    }

    def require_tools(self) -> None:
        for tool in ("pg_dump", "pg_restore", "psql"):
            require_tool(tool)

    @property
    def environment(self) -> dict[str, str]:
        """The password goes to the tools in PGPASSWORD, never on their command line."""
        environment = dict(os.environ)
        if self.settings_dict.get("PASSWORD"):
            environment["PGPASSWORD"] = self.settings_dict["PASSWORD"]
        for option, variable in self.LIBPQ_VARIABLES.items():
            if option in self.settings_dict.get("OPTIONS", {}):
                environment[variable] = str(self.settings_dict["OPTIONS"][option])
        return environment

    @property
    def connection_arguments(self) -> list[str]:
        arguments = []
        for flag, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
            if self.settings_dict.get(key):
                arguments.append(f"{flag}={self.settings_dict[key]}")
        return arguments

    def sql(self, statement: str) -> list[list[str]]:
        """Run one statement in the maintenance database; its rows as lists of text."""
        output = run_tool(
            [
                require_tool("psql"),
                "--no-psqlrc",
                "--quiet",
                "--no-align",
                "--tuples-only",
                "--field-separator=\t",
                "--set=ON_ERROR_STOP=1",
                *self.connection_arguments,
                "--dbname=postgres",
                f"--command={statement}",
            ],
            env=self.environment,
            what=f"psql ({statement.split()[0]} …)",
        )
        return [line.split("\t") for line in output.splitlines() if line]

    def dump(self, path: Path, report: Report) -> None:
        run_tool(
            [
                require_tool("pg_dump"),
                "--format=custom",
                "--no-owner",
                f"--file={path}",
                *self.connection_arguments,
                f"--dbname={self.name}",
            ],
            env=self.environment,
            what="pg_dump",
        )
        report(
            f"Backed up the PostgreSQL database {self.name} with pg_dump --format=custom "
            "--no-owner (one snapshot, taken while the app may write)."
        )

    def load(self, backup: Path, name: str, locale: str) -> None:
        """Create the database ``name`` and pg_restore ``backup`` into it, all or nothing."""
        self.sql(f"CREATE DATABASE {identifier(name)} TEMPLATE template0{locale}")
        run_tool(
            [
                require_tool("pg_restore"),
                "--no-owner",
                "--exit-on-error",
                "--single-transaction",
                *self.connection_arguments,
                f"--dbname={name}",
                str(backup),
            ],
            env=self.environment,
            what=f"pg_restore into {name}",
        )

    @property
    def locale(self) -> str:
        """The current database's encoding and collation, for a database made to stand in for it."""
        rows = self.sql(
            "SELECT pg_encoding_to_char(encoding), datcollate, datctype FROM pg_database "
            f"WHERE datname = {literal(self.name)}"
        )
        if not rows:
            return ""
        encoding, collate, ctype = rows[0]
        return (
            f" ENCODING {literal(encoding)} LC_COLLATE {literal(collate)} LC_CTYPE {literal(ctype)}"
        )

    def verify(self, backup: Path, report: Report) -> None:
        scratch = self.scratch_name("verify", utc_now())
        try:
            self.load(backup, scratch, self.locale)
            report(
                f"Verifying: restored the backup into a temporary database {scratch} "
                "(dropped afterwards)."
            )
            run_checks(self.url(scratch), f"the temporary database {scratch}", report)
        finally:
            drop_scratch(
                lambda: self.sql(f"DROP DATABASE IF EXISTS {identifier(scratch)}"), scratch, report
            )

    def other_sessions(self) -> int:
        rows = self.sql(
            "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend' "
            f"AND datname = {literal(self.name)} AND pid <> pg_backend_pid()"
        )
        return int(rows[0][0])

    def restore(self, backup: Path, report: Report) -> None:
        connections[DEFAULT_DB_ALIAS].close()
        sessions = self.other_sessions()
        if sessions:
            raise CommandError(
                f"{sessions} other session(s) are connected to the database {self.name}: the app, "
                "or a command, is still using it. Stop it and run the restore again. "
                "Nothing was changed."
            )
        aside = self.scratch_name("before_restore", utc_now())
        exists = bool(self.sql(f"SELECT 1 FROM pg_database WHERE datname = {literal(self.name)}"))
        locale = self.locale
        # WITH (FORCE): the half-restored database may still have pg_restore's
        # session, killed by the same Ctrl-C, on it.
        drop_new = f"DROP DATABASE IF EXISTS {identifier(self.name)} WITH (FORCE)"
        rename_back = f"ALTER DATABASE {identifier(aside)} RENAME TO {identifier(self.name)}"
        by_hand = shlex.join(
            ["psql", *self.connection_arguments, "--dbname=postgres"]
            + [f"--command={drop_new}"]
            + ([f"--command={rename_back}"] if exists else [])
        )
        if exists:
            report(
                f"Renaming the current database {self.name} to {aside} (kept; `dropdb {aside}` "
                "once you are satisfied). Should this restore stop without putting it back, "
                f"undo it with:\n  {by_hand}"
            )
            self.sql(f"ALTER DATABASE {identifier(self.name)} RENAME TO {identifier(aside)}")
        try:
            self.load(backup, self.name, locale)
        except BaseException as error:

            def put_back() -> None:
                self.sql(drop_new)
                if exists:
                    self.sql(rename_back)

            undo_restore(
                error,
                put_back,
                f"the database {self.name}",
                f"The previous data is in the database {aside}; {self.name} may hold part of "
                "the backup."
                if exists
                else f"There was no database {self.name} before; {self.name} may hold part of "
                "the backup.",
                by_hand,
            )
        report(f"Created a new database {self.name} and restored {backup} into it with pg_restore.")
        report("Checking the restored database:")
        run_checks(self.url(self.name), f"the restored database {self.name}", report)


class MariaDBDatabase(Database):
    vendor = "mysql"
    suffix = ".sql"

    def require_tools(self) -> None:
        require_tool("mariadb-dump", "mysqldump")
        require_tool("mariadb", "mysql")

    @property
    def environment(self) -> dict[str, str]:
        """The password goes to the tools in MYSQL_PWD, never on their command line."""
        environment = dict(os.environ)
        if self.settings_dict.get("PASSWORD"):
            environment["MYSQL_PWD"] = self.settings_dict["PASSWORD"]
        return environment

    @property
    def connection_arguments(self) -> list[str]:
        host = self.settings_dict.get("HOST") or ""
        arguments = []
        if host.startswith("/"):  # a socket, as Django's MySQL backend reads it
            arguments.append(f"--socket={host}")
        elif host:
            arguments.append(f"--host={host}")
        if self.settings_dict.get("PORT"):
            arguments.append(f"--port={self.settings_dict['PORT']}")
        if self.settings_dict.get("USER"):
            arguments.append(f"--user={self.settings_dict['USER']}")
        return [*arguments, "--default-character-set=utf8mb4"]

    def sql(self, statement: str, database: str = "") -> list[list[str]]:
        output = run_tool(
            [
                require_tool("mariadb", "mysql"),
                *self.connection_arguments,
                "--batch",
                "--skip-column-names",
                f"--execute={statement}",
                *([database] if database else []),
            ],
            env=self.environment,
            what=f"mariadb ({statement.split()[0]} …)",
        )
        return [line.split("\t") for line in output.splitlines() if line]

    def dump(self, path: Path, report: Report) -> None:
        tool = require_tool("mariadb-dump", "mysqldump")
        run_tool(
            [
                tool,
                *self.connection_arguments,
                # One consistent snapshot of the InnoDB tables, without locking them.
                "--single-transaction",
                "--quick",
                "--hex-blob",
                "--no-tablespaces",
                f"--result-file={path}",
                self.name,
            ],
            env=self.environment,
            what=Path(tool).name,
        )
        with path.open("rb") as written:
            written.seek(max(0, path.stat().st_size - 200))
            if b"-- Dump completed" not in written.read():
                raise CommandError(f"{Path(tool).name} stopped before the end of the dump.")
        report(
            f"Backed up the MariaDB database {self.name} with {Path(tool).name} "
            "--single-transaction (one snapshot, taken while the app may write)."
        )

    def character_set(self, name: str) -> str:
        rows = self.sql(
            "SELECT DEFAULT_CHARACTER_SET_NAME, DEFAULT_COLLATION_NAME "
            f"FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = {mariadb_literal(name)}"
        )
        charset, collation = rows[0] if rows else ("utf8mb4", "utf8mb4_unicode_ci")
        return f" CHARACTER SET {charset} COLLATE {collation}"

    def load(self, backup: Path, name: str) -> None:
        with backup.open("rb") as statements:
            run_tool(
                [require_tool("mariadb", "mysql"), *self.connection_arguments, name],
                env=self.environment,
                what=f"loading {backup.name} into {name}",
                stdin=statements,
            )

    def verify(self, backup: Path, report: Report) -> None:
        scratch = self.scratch_name("verify", utc_now())
        self.sql(f"CREATE DATABASE {quoted(scratch)}{self.character_set(self.name)}")
        try:
            self.load(backup, scratch)
            report(
                f"Verifying: restored the backup into a temporary database {scratch} "
                "(dropped afterwards)."
            )
            run_checks(self.url(scratch), f"the temporary database {scratch}", report)
        finally:
            drop_scratch(
                lambda: self.sql(f"DROP DATABASE IF EXISTS {quoted(scratch)}"), scratch, report
            )

    def tables(self, name: str) -> list[list[str]]:
        return self.sql(
            "SELECT TABLE_NAME, TABLE_TYPE FROM information_schema.TABLES "
            f"WHERE TABLE_SCHEMA = {mariadb_literal(name)} ORDER BY TABLE_NAME"
        )

    def move_tables(self, tables: list[str], source: str, target: str) -> None:
        """One RENAME TABLE for all: atomic, and foreign keys follow their tables."""
        if tables:
            self.sql(
                "RENAME TABLE "
                + ", ".join(
                    f"{quoted(source)}.{quoted(t)} TO {quoted(target)}.{quoted(t)}" for t in tables
                )
            )

    def restore(self, backup: Path, report: Report) -> None:
        connections[DEFAULT_DB_ALIAS].close()
        [[sessions]] = self.sql(
            "SELECT COUNT(*) FROM information_schema.PROCESSLIST "
            f"WHERE DB = {mariadb_literal(self.name)} AND ID <> CONNECTION_ID()"
        )
        if int(sessions):
            raise CommandError(
                f"{sessions} other session(s) are connected to the database {self.name}: the app, "
                "or a command, is still using it. Stop it and run the restore again. "
                "Nothing was changed."
            )
        exists = bool(
            self.sql(
                "SELECT 1 FROM information_schema.SCHEMATA "
                f"WHERE SCHEMA_NAME = {mariadb_literal(self.name)}"
            )
        )
        current = self.tables(self.name) if exists else []
        if any(kind != "BASE TABLE" for _, kind in current):
            raise CommandError(
                f"The database {self.name} holds views, which the app never creates and this "
                "command cannot move aside; move them yourself. Nothing was changed."
            )
        tables = [name for name, _ in current]
        aside = self.scratch_name("before_restore", utc_now())
        character_set = self.character_set(self.name)
        move_back = "RENAME TABLE " + ", ".join(
            f"{quoted(aside)}.{quoted(t)} TO {quoted(self.name)}.{quoted(t)}" for t in tables
        )
        # By hand the half-loaded tables are simplest dropped with their database.
        by_hand = shlex.join(
            [
                "mariadb",
                *self.connection_arguments,
                "--execute="
                + "; ".join(
                    [
                        f"DROP DATABASE IF EXISTS {quoted(self.name)}",
                        *(
                            [
                                f"CREATE DATABASE {quoted(self.name)}{character_set}",
                                *([move_back] if tables else []),
                                f"DROP DATABASE {quoted(aside)}",
                            ]
                            if exists
                            else []
                        ),
                    ]
                ),
            ]
        )
        if exists:
            report(
                f"Moving the {len(tables)} tables of the current database {self.name} into a new "
                f"database {aside} (kept; `DROP DATABASE {aside}` once you are satisfied). "
                f"Should this restore stop without putting them back, undo it with:\n  {by_hand}"
            )
            # MariaDB cannot rename a database: its tables move into a new one.
            self.sql(f"CREATE DATABASE {quoted(aside)}{character_set}")
            self.move_tables(tables, self.name, aside)
        else:
            self.sql(f"CREATE DATABASE {quoted(self.name)}{character_set}")
        try:
            self.load(backup, self.name)
        except BaseException as error:

            def put_back() -> None:
                loaded = [name for name, _ in self.tables(self.name)]
                if loaded:
                    self.sql(
                        "SET FOREIGN_KEY_CHECKS = 0; DROP TABLE "
                        + ", ".join(quoted(table) for table in loaded),
                        self.name,
                    )
                if exists:
                    self.move_tables(tables, aside, self.name)
                    self.sql(f"DROP DATABASE {quoted(aside)}")  # empty again

            undo_restore(
                error,
                put_back,
                f"the database {self.name}",
                f"The previous tables are in the database {aside}; {self.name} may hold part "
                "of the backup."
                if exists
                else f"There was no database {self.name} before; it may hold part of the backup.",
                by_hand,
            )
        report(f"Loaded {backup} into {self.name} with the mariadb client.")
        report("Checking the restored database:")
        run_checks(self.url(self.name), f"the restored database {self.name}", report)


def identifier(name: str) -> str:
    """A PostgreSQL identifier, quoted."""
    return '"' + name.replace('"', '""') + '"'


def quoted(name: str) -> str:
    """A MariaDB identifier, quoted."""
    return "`" + name.replace("`", "``") + "`"


def literal(text: str) -> str:
    """A PostgreSQL string literal (standard quoting: a backslash is an ordinary character)."""
    return "'" + text.replace("'", "''") + "'"


def mariadb_literal(text: str) -> str:
    """A MariaDB string literal: there a backslash escapes by default, so it is doubled too."""
    return "'" + text.replace("\\", "\\\\").replace("'", "''") + "'"


def describe(error: BaseException) -> str:
    """An exception as one message; Ctrl-C and signals have no text of their own."""
    if isinstance(error, KeyboardInterrupt):
        return f"Interrupted ({error or 'Ctrl-C'})."
    return str(error) or type(error).__name__


def undo_restore(
    error: BaseException, undo: Callable[[], None], name: str, state: str, by_hand: str
) -> NoReturn:
    """After a restore of ``name`` stopped by ``error``: ``undo`` it, raise a CommandError.

    ``state`` says where the previous data is if the undo fails too, and
    ``by_hand`` what to run then.
    """
    try:
        undo()
    except BaseException as undo_error:
        raise CommandError(
            f"{describe(error)}\nThe restore stopped, and putting the previous database back "
            f"failed too ({describe(undo_error)}). {state} Put it back by hand:\n  {by_hand}"
        ) from error
    raise CommandError(
        f"{describe(error)}\nThe restore was undone: {name} is as it was."
    ) from error


DATABASES = {
    "sqlite": SQLiteDatabase,
    "postgresql": PostgreSQLDatabase,
    "mysql": MariaDBDatabase,
}


def default_database() -> Database:
    """The default database, as configured (``settings.DATABASES["default"]``)."""
    connection = connections[DEFAULT_DB_ALIAS]
    try:
        database_class = DATABASES[connection.vendor]
    except KeyError:
        raise CommandError(f"Backups of {connection.vendor} databases are not supported.") from None
    return database_class(connection.settings_dict)


@contextmanager
def partial_file(final: Path) -> Iterator[Path]:
    """A hidden temporary file beside ``final``; removed if it is still there at the end.

    Made empty and readable by its owner only: a backup holds every user's
    password hash. The tools write into it and keep its mode.
    """
    partial = final.with_name(f".{final.name}.partial")
    os.close(os.open(partial, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    try:
        yield partial
    finally:
        partial.unlink(missing_ok=True)
