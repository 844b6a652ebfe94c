"""``manage.py restore BACKUP --app-stopped``: put a backup in place of the database.

Only with the app stopped: ``--app-stopped`` says so (at a terminal, typing
"yes" does too; with no terminal and no flag it refuses). On SQLite it also
refuses while another process holds the write lock; on PostgreSQL and MariaDB
while another session is connected to the database.

The current database is never deleted: SQLite's file and its ``-wal`` and
``-shm`` files move into a timestamped folder beside it (a ``-wal`` left by a
crash, replayed into a restored copy, corrupts it); a PostgreSQL database is
renamed ``<name>_before_restore_<time>``; a MariaDB database's tables move into
a new database of that name (MariaDB cannot rename a database). Then the
backup is restored, and ``migrate --check`` and ``verify_stock`` (and SQLite's
``PRAGMA integrity_check``) run against the restored database. A failed check
exits non-zero naming it, with the previous database still where it was put.

If the restore stops before the backup is in place (an error, Ctrl-C, a hang-up
or SIGTERM), the previous database is put back; if even that fails, the error
says where it is and what to run.
"""

import signal
import sys
import threading
from contextlib import contextmanager
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from core.backups import VENDOR_NAMES, backup_vendor, default_database

HOW_TO_STOP = (
    "Stop every process that uses the database first: gunicorn (`make serve`, or your "
    "service manager, e.g. `sudo systemctl stop inventory`), any `manage.py runserver`, "
    "and cron jobs running manage.py (backup, send_low_stock_digest)."
)


@contextmanager
def hang_up_and_terminate_interrupt():
    """SIGHUP and SIGTERM raise KeyboardInterrupt, as Ctrl-C does, so the undo still runs.

    Their default is to end the process on the spot, mid-restore. A signal
    set to be ignored (``nohup``) stays ignored, and only the main thread can
    set handlers: elsewhere nothing changes.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum, frame):
        raise KeyboardInterrupt(signal.Signals(signum).name)

    previous = {
        number: signal.signal(number, interrupt)
        for number in (signal.SIGHUP, signal.SIGTERM)
        if signal.getsignal(number) is not signal.SIG_IGN
    }
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


class Command(BaseCommand):
    help = (
        "Restore a backup made by `manage.py backup` in place of the database, with the app "
        "stopped; the current database is moved aside, never deleted, and the result checked."
    )

    def add_arguments(self, parser):
        parser.add_argument("backup", help="The backup file (.sqlite3, .dump or .sql).")
        parser.add_argument(
            "--app-stopped",
            action="store_true",
            help="Confirm that nothing (gunicorn, runserver, cron jobs) uses the database.",
        )

    def handle(self, *args, **options):
        backup = Path(options["backup"])
        if not backup.is_file():
            raise CommandError(f"There is no backup file at {backup}.")
        database = default_database()
        vendor = backup_vendor(backup)
        if vendor is None:
            raise CommandError(
                f"{backup} is not a backup made by `manage.py backup`: neither a SQLite "
                "database, a pg_dump custom-format archive nor a mariadb-dump SQL file."
            )
        if vendor != database.vendor:
            raise CommandError(
                f"{backup} is a {VENDOR_NAMES[vendor]} backup, but this installation uses "
                f"{database.label} (DATABASE_URL). Restore it on a {VENDOR_NAMES[vendor]} "
                f"installation, or choose a {database.suffix} backup. Nothing was changed."
            )
        database.require_tools()
        if not options["app_stopped"]:
            self.confirm_app_stopped(database)
        self.stdout.write(f"Restoring {backup} into the {database.label} database {database.name}.")
        with hang_up_and_terminate_interrupt():
            database.restore(backup, self.stdout.write)
        self.stdout.write(
            self.style.SUCCESS(
                "Restored and checked: every migration is applied and verify_stock finds stock, "
                "ledger, valuation and running totals consistent. Start the app again."
            )
        )

    def confirm_app_stopped(self, database):
        """Ask at a terminal; anywhere else, refuse."""
        refusal = (
            f"Refusing to restore while the app may still write to the database. {HOW_TO_STOP} "
            "Then run the restore again with --app-stopped. Nothing was changed."
        )
        try:
            interactive = sys.stdin.isatty()
        except (AttributeError, OSError, ValueError):
            interactive = False
        if not interactive:
            raise CommandError(refusal)
        self.stdout.write(
            f"This replaces the {database.label} database {database.name} (it is moved aside, "
            f"not deleted). {HOW_TO_STOP}"
        )
        if input("Is the app stopped? Type 'yes' to restore: ").strip().lower() != "yes":
            raise CommandError("Restore cancelled. Nothing was changed.")
