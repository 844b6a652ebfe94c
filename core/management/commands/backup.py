"""``manage.py backup [DIRECTORY]``: a consistent online backup of the database, verified.

The backend's own online copy (see :mod:`core.backups`), written under a
hidden temporary name and renamed to ``inventory-<UTC time>.<sqlite3|dump|sql>``
only once it is complete and, unless ``--no-verify``, restored into a
throwaway database where ``migrate --check`` and ``verify_stock`` pass. A
backup that fails verification is kept as ``<name>.failed`` (which ``--keep``
never counts or deletes) and the command exits non-zero naming the check.
"""

import os
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from core.backups import (
    FAILED_SUFFIX,
    backup_file_name,
    default_backup_directory,
    default_database,
    fsync_directory,
    fsync_file,
    partial_file,
    prune_backups,
    utc_now,
)


def positive_integer(value: str) -> int:
    number = int(value)
    if number < 1:
        raise ValueError(value)
    return number


class Command(BaseCommand):
    help = (
        "Back up the database while the app runs (SQLite backup API, pg_dump, or "
        "mariadb-dump), check the backup by restoring it into a temporary database, and "
        "optionally delete the oldest backups beyond --keep."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "directory",
            nargs="?",
            help="Where to write the backup (default: backups/ beside manage.py).",
        )
        parser.add_argument(
            "--no-verify",
            action="store_true",
            help="Skip restoring the backup into a temporary database to check it.",
        )
        parser.add_argument(
            "--keep",
            type=positive_integer,
            metavar="N",
            help="After a good backup, delete all but the newest N backups of this "
            "database's kind in the directory, never the one just written (no other file is "
            "touched). Use one directory per database: the names do not say which database.",
        )

    def handle(self, *args, **options):
        database = default_database()
        database.require_tools()
        directory = (
            default_backup_directory()
            if options["directory"] is None
            else Path(options["directory"])
        )
        directory.mkdir(parents=True, exist_ok=True)
        final = directory / backup_file_name(database.suffix, utc_now())
        if final.exists():
            raise CommandError(f"{final} already exists; run the backup again in a second.")
        with partial_file(final) as partial:
            database.dump(partial, self.stdout.write)
            fsync_file(partial)
            if not options["no_verify"]:
                try:
                    database.verify(partial, self.stdout.write)
                except CommandError as error:
                    failed = final.with_name(final.name + FAILED_SUFFIX)
                    os.replace(partial, failed)
                    raise CommandError(
                        f"{error}\nThe backup is kept as {failed}: named so that it is not "
                        "taken for a good backup, and never deleted by --keep."
                    ) from error
            os.replace(partial, final)
            fsync_directory(directory)
        size = final.stat().st_size
        self.stdout.write(self.style.SUCCESS(f"Backup written: {final} ({size:,} bytes)."))
        if options["no_verify"]:
            self.stdout.write("Not verified (--no-verify).")
        else:
            self.stdout.write(
                self.style.SUCCESS(
                    "Verified: it restores into a throwaway database, where every migration is "
                    "applied and verify_stock finds its stock, ledger, valuation and running "
                    "totals consistent."
                )
            )
        if options["keep"]:
            deleted = prune_backups(directory, database.suffix, options["keep"], final)
            kept = f"kept the newest {options['keep']} {database.suffix} backups"
            if deleted:
                names = ", ".join(path.name for path in deleted)
                self.stdout.write(f"Retention: {kept}; deleted {len(deleted)}: {names}.")
            else:
                self.stdout.write(f"Retention: {kept}; nothing to delete.")
