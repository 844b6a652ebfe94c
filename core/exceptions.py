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


def is_database_outage(error: BaseException) -> bool:
    """Whether ``error`` means the database cannot be used now (not a bug in a query)."""
    if not isinstance(error, OUTAGE_ERRORS):
        return False
    if isinstance(error, InterfaceError):  # the connection is closed
        return True
    if any(outage in str(error).lower() for outage in SQLITE_OUTAGES):
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
