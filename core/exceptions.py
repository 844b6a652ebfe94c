"""Refusals a domain operation raises instead of writing anything, and what an outage raises.

Views catch these base classes (see :mod:`core.documents`), so a new
document type's errors reach the user as messages without core knowing them.
"""

from django.db import InterfaceError, OperationalError, connection

# Errors a database outage raises (the server gone, a connection cut, a full
# disk). The same classes also report bugs (SQLite's "no such table", a
# deadlock), so is_database_outage() looks closer.
OUTAGE_ERRORS = (OperationalError, InterfaceError)
# SQLite has no server to lose: its outages are the file's.
SQLITE_OUTAGES = ("database or disk is full", "disk i/o error", "unable to open database")


# PostgreSQL's SQLSTATEs for a lost or refused connection (class 08), the server
# shutting down or starting or closing an idle session (57P01-57P05: also what
# pg_terminate_backend gives), exhausted resources (class 53: a full disk, too
# many connections) and system errors (class 58: the server's disk failing).
POSTGRES_OUTAGE_STATES = ("08", "57P01", "57P02", "57P03", "57P05", "53", "58")
# MariaDB/MySQL client and server codes for the same: can't connect or unknown
# host (2002, 2003, 2005), gone away or lost (2006, 2013, 2055), SSL (2026), too
# many connections (1040), out of resources (1041), shutting down (1053),
# connection killed (1927), disconnected (4031), a full disk (1021, 1030 "error
# 28 from storage engine", 1114 "table is full").
MARIADB_OUTAGE_CODES = frozenset(
    {1021, 1030, 1040, 1041, 1053, 1114, 1927, 2002, 2003, 2005, 2006, 2013, 2026, 2055, 4031}
)


def is_database_outage(error: BaseException) -> bool:
    """Whether ``error`` means the database cannot be used now (not a bug in a query)."""
    if not isinstance(error, OUTAGE_ERRORS):
        return False
    if isinstance(error, InterfaceError):  # the connection is closed
        return True
    if any(outage in str(error).lower() for outage in SQLITE_OUTAGES):
        return True
    # The driver's own error says it best. Asking the connection afterwards is
    # not enough: once a connection broke inside a transaction, Django may
    # already have opened a new, usable one by the time the error page is chosen.
    if _driver_says_outage(error.__cause__):
        return True
    try:
        return not connection.is_usable()
    except Exception:  # no connection at all to ask
        return True


class OperationRefused(Exception):
    """A domain operation was refused as a whole; nothing was written."""


class AlreadyVoided(OperationRefused):
    """The document was voided before; voiding it again would move its stock twice."""


def error_line(error: BaseException) -> str:
    """An error as one line for the log: its class and the first line of its message."""
    first_line = next(iter(str(error).strip().splitlines()), "")
    return f"{type(error).__name__}: {first_line}"


def _driver_says_outage(cause: BaseException | None) -> bool:
    """Whether the driver's error names a lost, refused or exhausted database."""
    if cause is None:
        return False
    module = type(cause).__module__
    if module.startswith("psycopg"):
        diag = getattr(cause, "diag", None)
        state = getattr(cause, "sqlstate", None) or getattr(diag, "sqlstate", None)
        if state:
            return state.startswith(POSTGRES_OUTAGE_STATES)
        # No SQLSTATE: the client's own error. An outage when the connection
        # is gone or broken, not (say) one connection used by two threads.
        from psycopg.pq import ConnStatus  # only reached with psycopg loaded

        pgconn = getattr(cause, "pgconn", None)
        return pgconn is None or pgconn.status == ConnStatus.BAD
    if module.startswith("MySQLdb"):
        code = cause.args[0] if cause.args else None
        return code in MARIADB_OUTAGE_CODES
    return False
