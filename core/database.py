"""What the app asks of the database server beyond the ORM: planner statistics."""

from django.db import DEFAULT_DB_ALIAS, connections


def analyze(using: str = DEFAULT_DB_ALIAS) -> bool:
    """Collect the query planner's statistics; False where the server keeps them itself.

    SQLite has none until ``ANALYZE`` runs (and never updates them on its own);
    PostgreSQL's autovacuum collects them, but only some minutes after a bulk load.
    """
    connection = connections[using]
    if connection.vendor not in ("sqlite", "postgresql"):
        return False
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return True
