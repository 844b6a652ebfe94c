import pytest

from people.tests.factories import SupplierFactory
from products.tests.factories import CategoryFactory


@pytest.fixture
def catalog():
    """The category and supplier the products files name."""
    return CategoryFactory(name="Fasteners"), SupplierFactory(name="Acme Tools")
