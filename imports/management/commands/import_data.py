"""``manage.py import_data KIND FILE``: the import of the /imports/ pages, from a shell.

Columns are matched to fields by their headers (as the mapping page guesses them);
the run is recorded on /imports/ like any other, under ``--user``.
"""

import sys
import time
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.files import File
from django.core.management.base import BaseCommand, CommandError

from imports.models import ImportKind, ImportRun
from imports.readers import UnreadableFile, count_rows, open_table
from imports.services import guess_mapping, import_apply, import_validate, mapping_problems

ERRORS_PRINTED = 50


class ProgressBar:
    """``[#####.....] 1,500 / 50,000 rows`` on stderr, redrawn at most ten times a second."""

    WIDTH = 30

    def __init__(self, stream, label: str):
        self.stream, self.label, self.last = stream, label, 0.0

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if done < total and now - self.last < 0.1:
            return
        self.last = now
        filled = self.WIDTH * done // total if total else self.WIDTH
        bar = "#" * filled + "." * (self.WIDTH - filled)
        self.stream.write(f"\r{self.label} [{bar}] {done:,} / {total:,} rows")
        if done >= total:
            self.stream.write("\n")
        self.stream.flush()


class Command(BaseCommand):
    help = "Import products, suppliers, customers or opening stock from a CSV or .xlsx file."

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=ImportKind.values)
        parser.add_argument("file")
        parser.add_argument(
            "--dry-run", action="store_true", help="Check every row, write nothing."
        )
        parser.add_argument("--update", action="store_true", help="Update existing records.")
        parser.add_argument(
            "--create-missing", action="store_true", help="Create missing categories and suppliers."
        )
        parser.add_argument(
            "--all-or-nothing", action="store_true", help="Import nothing if any row has an error."
        )
        parser.add_argument("--user", help="Who imports (default: the first superuser).")

    def handle(self, *args, kind, file, dry_run, update, create_missing, all_or_nothing, user,
               **options):  # fmt: skip
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"No file at {path}.")
        importer = self._user(user)
        try:
            with open_table(path) as (headers, _rows):
                mapping = guess_mapping(kind, headers)
        except UnreadableFile as error:
            raise CommandError(str(error)) from None
        if problems := mapping_problems(kind, mapping, headers):
            raise CommandError(" ".join(problems) + f" The file's headers: {', '.join(headers)}.")
        run = ImportRun(
            kind=kind,
            file_name=path.name,
            created_by=importer,
            mapping=mapping,
            update_existing=update,
            create_missing=create_missing,
            all_or_nothing=all_or_nothing,
            rows_total=count_rows(path),
        )
        with path.open("rb") as content:
            run.file.save(path.name, File(content), save=False)
        run.save()
        progress_stream = options.get("stderr") or sys.stderr
        import_validate(run=run, progress=ProgressBar(progress_stream, "Checking "))
        if run.status == ImportRun.Status.FAILED:
            raise CommandError(run.failure)
        self._report(run, "Dry run" if dry_run else "Checked")
        if dry_run:
            return
        import_apply(run=run, progress=ProgressBar(progress_stream, "Importing"))
        if run.status == ImportRun.Status.REFUSED:
            raise CommandError(
                f"Nothing imported: {run.error_count} row(s) have errors (--all-or-nothing)."
            )
        if run.status != ImportRun.Status.DONE:
            raise CommandError(run.failure or f"The import ended {run.get_status_display()}.")
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported (#{run.pk}): {run.to_create:,} created, {run.to_update:,} updated, "
                f"{run.unchanged:,} unchanged, {run.error_count:,} row(s) with errors skipped."
            )
        )

    def _user(self, username):
        users = get_user_model().objects
        if username:
            try:
                return users.get(username=username)
            except users.model.DoesNotExist:
                raise CommandError(f"No user is called {username}.") from None
        first = users.filter(is_superuser=True).order_by("pk").first()
        if first is None:
            raise CommandError("Give --user USERNAME: there is no superuser to import as.")
        return first

    def _report(self, run: ImportRun, title: str) -> None:
        self.stdout.write(
            f"{title}: {run.rows_total:,} rows; {run.to_create:,} to create, "
            f"{run.to_update:,} to update, {run.unchanged:,} unchanged, "
            f"{run.error_count:,} with errors."
        )
        for number, column, value, message in run.errors[:ERRORS_PRINTED]:
            self.stdout.write(f"  row {number}, {column or 'row'} “{value}”: {message}")
        if len(run.errors) > ERRORS_PRINTED:
            self.stdout.write(f"  … and {len(run.errors) - ERRORS_PRINTED:,} more errors")
