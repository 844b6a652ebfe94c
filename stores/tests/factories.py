import factory

from stores.models import Store


class StoreFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Store
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Store {n}")
    code = factory.Sequence(lambda n: f"S{n}")
    address = factory.Faker("address")
    phone = factory.Faker("phone_number")
