"""retry_on_deadlock: a deadlock's victim runs again; anything else, or a nested call, does not."""

import pytest
from django.db import OperationalError, transaction

from core.transactions import MARIADB_DEADLOCK, POSTGRESQL_DEADLOCK, retry_on_deadlock


class PostgresDeadlock(Exception):
    sqlstate = POSTGRESQL_DEADLOCK


def postgres_deadlock() -> OperationalError:
    error = OperationalError("deadlock detected")
    error.__cause__ = PostgresDeadlock()
    return error


def failing(errors: list):
    """A unit of work that raises each of ``errors`` in turn, then returns how often it ran."""
    calls = []

    @retry_on_deadlock
    def work():
        calls.append(1)
        if len(calls) <= len(errors):
            raise errors[len(calls) - 1]
        return len(calls)

    return work


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "deadlock",
    [postgres_deadlock, lambda: OperationalError(MARIADB_DEADLOCK, "Deadlock found")],
    ids=["postgresql", "mariadb"],
)
def test_a_deadlock_victim_runs_again(deadlock):
    assert failing([deadlock(), deadlock()])() == 3


@pytest.mark.django_db(transaction=True)
def test_it_gives_up_after_three_attempts():
    with pytest.raises(OperationalError):
        failing([postgres_deadlock() for _ in range(3)])()


@pytest.mark.django_db(transaction=True)
def test_other_operational_errors_are_not_retried():
    work = failing([OperationalError(1205, "Lock wait timeout exceeded")])
    with pytest.raises(OperationalError, match="Lock wait timeout"):
        work()


@pytest.mark.django_db(transaction=True)
def test_inside_an_outer_transaction_the_deadlock_goes_up():
    work = failing([postgres_deadlock()])
    with pytest.raises(OperationalError), transaction.atomic():
        work()
