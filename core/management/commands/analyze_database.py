"""``manage.py analyze_database``: give the query planner statistics of the tables as they are now.

Without statistics SQLite plans every join from the table its WHERE clause
filters, so the stock report read all 140,000 stock rows with stock and sorted
them by product name to show 50 (0.4 s at the ``large`` demo); with them it walks
the products' name index and stops after the page (under 1 ms). PostgreSQL's
autovacuum analyses tables on its own, but only minutes after a bulk load;
MariaDB (InnoDB) keeps its statistics up to date by itself, so there is nothing
to do there.

``seed_demo`` runs it after its bulk load. On SQLite, run it from cron (docs/DEPLOY.md)
and after any large import.
"""

from django.core.management.base import BaseCommand
from django.db import DEFAULT_DB_ALIAS, connections

from core.database import analyze


class Command(BaseCommand):
    help = "Collect the query planner's statistics (SQLite and PostgreSQL; MariaDB keeps its own)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--database",
            default=DEFAULT_DB_ALIAS,
            help="The database to analyse (default: the default one).",
        )

    def handle(self, *args, database, **options):
        vendor = connections[database].vendor
        if analyze(database):
            self.stdout.write(self.style.SUCCESS(f"Statistics collected ({vendor})."))
        else:
            self.stdout.write(f"Nothing to do: {vendor} keeps its statistics up to date itself.")
