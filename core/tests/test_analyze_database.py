"""``manage.py analyze_database`` leaves the planner statistics where the database keeps
none of its own (SQLite) or collects them late (PostgreSQL); MariaDB keeps its own."""

from io import StringIO

from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from core.models import Heartbeat


def analysed_tables() -> set[str]:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            # The statistics table only exists once ANALYZE has run.
            cursor.execute("SELECT name FROM sqlite_master WHERE name = 'sqlite_stat1'")
            if not cursor.fetchall():
                return set()
            cursor.execute("SELECT DISTINCT tbl FROM sqlite_stat1")
        else:
            cursor.execute(
                "SELECT relname FROM pg_stat_user_tables "
                "WHERE last_analyze IS NOT NULL OR last_autoanalyze IS NOT NULL"
            )
        return {table for (table,) in cursor.fetchall()}


def test_a_table_with_rows_has_statistics_afterwards(transactional_db):
    # SQLite records no statistics of an empty table.
    Heartbeat.objects.create(beat_at=timezone.now())
    out = StringIO()

    call_command("analyze_database", stdout=out)

    if connection.vendor == "mysql":
        assert "Nothing to do: mysql keeps its statistics up to date itself." in out.getvalue()
    else:
        assert f"Statistics collected ({connection.vendor})." in out.getvalue()
        assert Heartbeat._meta.db_table in analysed_tables()
