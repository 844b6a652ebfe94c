"""Refusals a domain operation raises instead of writing anything.

Views catch these base classes (see :mod:`core.documents`), so a new
document type's errors reach the user as messages without core knowing them.
"""


class OperationRefused(Exception):
    """A domain operation was refused as a whole; nothing was written."""


class AlreadyVoided(OperationRefused):
    """The document was voided before; voiding it again would move its stock twice."""
