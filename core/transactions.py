"""Running a unit of work again when the database chose it as a deadlock's victim.

A deadlock aborts one of the transactions involved and rolls all of it back,
so doing the whole of it again is safe and is what PostgreSQL and MariaDB
advise. Lock orders in the stock engine prevent the common cycles; this
covers the rare remaining ones (two voids that re-cost sales on the same
days in different orders), which would otherwise reach the user as a 500.
"""

import functools
import logging

from django.db import OperationalError, connection

logger = logging.getLogger(__name__)

POSTGRESQL_DEADLOCK = "40P01"  # SQLSTATE deadlock_detected
MARIADB_DEADLOCK = 1213  # ER_LOCK_DEADLOCK


def is_deadlock(error: OperationalError) -> bool:
    cause = error.__cause__
    if getattr(cause, "sqlstate", None) == POSTGRESQL_DEADLOCK:
        return True
    return bool(error.args) and error.args[0] == MARIADB_DEADLOCK


def retry_on_deadlock(function=None, *, attempts: int = 3):
    """Call ``function`` again (up to ``attempts`` times in all) when it loses a deadlock.

    Only when it runs its own transaction: inside an outer ``atomic`` block
    the outer transaction is already lost, so the error goes up unchanged.
    """

    def decorate(function):
        @functools.wraps(function)
        def wrapper(*args, **kwargs):
            for attempt in range(1, attempts + 1):
                try:
                    return function(*args, **kwargs)
                except OperationalError as error:
                    if attempt == attempts or connection.in_atomic_block or not is_deadlock(error):
                        raise
                    logger.warning(
                        "%s lost a deadlock (attempt %d of %d); running it again",
                        function.__qualname__,
                        attempt,
                        attempts,
                    )

        return wrapper

    return decorate(function) if function is not None else decorate
