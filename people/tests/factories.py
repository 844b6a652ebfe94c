import factory

from people.models import Customer, Supplier


class SupplierFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Supplier

    name = factory.Sequence(lambda n: f"Supplier {n}")
    contact_person = factory.Faker("name")
    email = factory.Sequence(lambda n: f"supplier{n}@example.com")
    phone = factory.Sequence(lambda n: f"+1 555 01{n:04d}")


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    name = factory.Sequence(lambda n: f"Customer {n}")
    email = factory.Sequence(lambda n: f"customer{n}@example.com")
    phone = factory.Sequence(lambda n: f"+1 555 02{n:04d}")
