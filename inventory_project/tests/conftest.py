"""Fixtures of the project-wide tests."""

import copy

import pytest
from django.db import transaction


@pytest.fixture(scope="module")
def module_world(django_db_setup, django_db_blocker):
    """The URL sweep's world (``build_world``), built once per test module.

    Hundreds of tests open one page or post one form each against the same records, and
    building them took most of each test's time. As Django's ``TestCase.setUpTestData``
    does, the records are written in a transaction that stays open for the module and is
    rolled back after its last test; each test runs in a savepoint inside it (pytest-django's
    own), so what a test writes is gone before the next one starts. Tests of the module that
    do not ask for the world run inside that transaction too, and see its records.
    """
    from inventory_project.tests.test_url_sweep import build_world

    with django_db_blocker.unblock():
        module_transaction = transaction.atomic()
        # Marked as TestCase marks its own: a durable block inside a test stays allowed.
        module_transaction._from_testcase = True
        module_transaction.__enter__()
        try:
            world = build_world()
        except BaseException:
            transaction.set_rollback(True)
            module_transaction.__exit__(None, None, None)
            raise
    yield world
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        module_transaction.__exit__(None, None, None)


@pytest.fixture
def world(module_world, db):
    """The module's world for one test: a copy of its records' instances (as ``TestCase``
    copies ``setUpTestData``'s), so what a test changes in memory stays in that test."""
    return copy.deepcopy(module_world)
