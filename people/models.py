from django.db import models
from django.urls import reverse

from core.models import ArchivableModel
from core.text import NameField


class Party(ArchivableModel):
    """What suppliers and customers have in common: who they are and how to reach them."""

    name = NameField(max_length=200, db_index=True)
    email = models.EmailField(blank=True, db_index=True)
    phone = models.CharField(max_length=40, blank=True, db_index=True)
    address = models.TextField(blank=True)
    notes = models.TextField(blank=True)

    class Meta:
        abstract = True
        ordering = ["name"]

    def __str__(self):
        return self.name


class Supplier(Party):
    """A business the stores buy products from."""

    contact_person = models.CharField(max_length=200, blank=True, db_index=True)

    class Meta(Party.Meta):
        pass

    def get_absolute_url(self):
        return reverse("suppliers:detail", args=[self.pk])


class Customer(Party):
    """Someone the stores sell to."""

    class Meta(Party.Meta):
        pass

    def get_absolute_url(self):
        return reverse("customers:detail", args=[self.pk])
