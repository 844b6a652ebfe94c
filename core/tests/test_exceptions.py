"""is_database_outage: an outage gets the 503 page, a bug in a query stays a 500."""

import psycopg.errors
import pytest
from django.db import OperationalError

from core.exceptions import is_database_outage

# With a database at hand, so the connection is usable when asked: the driver's
# error has to decide.
pytestmark = pytest.mark.django_db


def raised_from(cause: BaseException) -> OperationalError:
    """What Django raises for a driver's error: its own class, the driver's as the cause."""
    try:
        try:
            raise cause
        except Exception as driver_error:
            raise OperationalError(str(driver_error)) from driver_error
    except OperationalError as error:
        return error


class FakeMySQLdbError(Exception):
    """Shaped as MySQLdb's: a numeric code first in its arguments."""


FakeMySQLdbError.__module__ = "MySQLdb._exceptions"


@pytest.mark.parametrize(
    "cause",
    [
        psycopg.errors.AdminShutdown("terminating connection due to administrator command"),
        psycopg.errors.CannotConnectNow("the database system is starting up"),
        psycopg.errors.DiskFull("could not extend file"),
        psycopg.OperationalError("consuming input failed: server closed the connection"),
        FakeMySQLdbError(2013, "Lost connection to server during query"),
        FakeMySQLdbError(1927, "Connection was killed"),
    ],
    ids=[
        "pg-terminated",
        "pg-starting",
        "pg-disk-full",
        "pg-lost",
        "mariadb-lost",
        "mariadb-killed",
    ],
)
def test_a_lost_or_refused_connection_is_an_outage_even_with_a_usable_connection_after(cause):
    # Django may have opened a new, usable connection by the time the error
    # page is chosen (a connection cut inside a transaction): the driver's
    # error decides, not the connection.
    assert is_database_outage(raised_from(cause))


@pytest.mark.parametrize(
    "cause",
    [
        psycopg.errors.DeadlockDetected("deadlock detected"),
        psycopg.errors.QueryCanceled("canceling statement due to statement timeout"),
        FakeMySQLdbError(1213, "Deadlock found when trying to get lock"),
    ],
    ids=["pg-deadlock", "pg-timeout", "mariadb-deadlock"],
)
def test_a_deadlock_or_timeout_is_not_an_outage(cause):
    assert not is_database_outage(raised_from(cause))


class BrokenConnection:
    status = psycopg.pq.ConnStatus.BAD


class WorkingConnection:
    status = psycopg.pq.ConnStatus.OK


def psycopg_client_error(message: str, pgconn) -> psycopg.OperationalError:
    return psycopg.OperationalError(message, pgconn=pgconn)


def test_a_client_error_on_a_broken_connection_is_an_outage():
    error = psycopg_client_error(
        "consuming input failed: server closed the connection", BrokenConnection()
    )

    assert is_database_outage(raised_from(error))


def test_a_client_error_on_a_working_connection_is_a_bug():
    # One connection used by two threads at once: a bug to see in the log, not an outage.
    error = psycopg_client_error("another command is already in progress", WorkingConnection())

    assert not is_database_outage(raised_from(error))
