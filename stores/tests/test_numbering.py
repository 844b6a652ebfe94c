"""Document numbers: per store, series and year, from 1, and given back by a rollback."""

import datetime

import pytest
from django.db import transaction

from stores.numbering import next_document_number
from stores.tests.factories import StoreFactory

pytestmark = pytest.mark.django_db

DAY = datetime.date(2026, 3, 10)


def number(store, series="sale", date=DAY, **kwargs):
    with transaction.atomic():
        return next_document_number(store, series, date, **kwargs)


def test_numbers_count_up_per_store_series_and_year():
    main, north = StoreFactory(code="MAIN"), StoreFactory(code="NORTH")

    assert [number(main) for _ in range(3)] == [
        "MAIN-2026-000001",
        "MAIN-2026-000002",
        "MAIN-2026-000003",
    ]
    assert number(north) == "NORTH-2026-000001"
    assert number(main, "return", prefix="CN-") == "CN-MAIN-2026-000001"
    assert number(main, date=datetime.date(2027, 1, 1)) == "MAIN-2027-000001"
    assert number(main) == "MAIN-2026-000004"


def test_a_rolled_back_document_gives_its_number_back():
    store = StoreFactory(code="MAIN")
    with pytest.raises(RuntimeError), transaction.atomic():
        assert next_document_number(store, "sale", DAY) == "MAIN-2026-000001"
        raise RuntimeError("the sale was refused")

    assert number(store) == "MAIN-2026-000001"


# Outside the test's own transaction, to be outside any.
@pytest.mark.django_db(transaction=True)
def test_a_number_outside_a_transaction_is_refused():
    with pytest.raises(RuntimeError, match="inside the document's transaction"):
        next_document_number(StoreFactory(), "sale", DAY)


def test_a_code_another_store_used_goes_on_from_its_last_number():
    """Renaming MAIN to NORTH and giving MAIN to another store never repeats a number."""
    first = StoreFactory(code="MAIN")
    assert number(first) == "MAIN-2026-000001"
    first.code = "NORTH"
    first.save()
    second = StoreFactory(code="MAIN")

    assert number(second) == "MAIN-2026-000002"
    assert number(first) == "NORTH-2026-000001"
