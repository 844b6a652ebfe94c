"""Refusals a domain operation raises instead of writing anything, and what an outage raises.

Views catch these base classes (see :mod:`core.documents`), so a new
document type's errors reach the user as messages without core knowing them.
"""

from django.db import InterfaceError, OperationalError

# What a database outage raises (the server gone, a connection cut, a full
# disk); any other database error is a bug. See core.views.server_error.
OUTAGE_ERRORS = (OperationalError, InterfaceError)


class OperationRefused(Exception):
    """A domain operation was refused as a whole; nothing was written."""


class AlreadyVoided(OperationRefused):
    """The document was voided before; voiding it again would move its stock twice."""
