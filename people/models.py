from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.models import ArchivableModel
from core.text import NameField


class Party(ArchivableModel):
    """What suppliers and customers have in common: who they are and how to reach them."""

    name = NameField(verbose_name=_("name"), max_length=200, db_index=True)
    email = models.EmailField(verbose_name=_("email"), blank=True, db_index=True)
    phone = models.CharField(verbose_name=_("phone"), max_length=40, blank=True, db_index=True)
    address = models.TextField(verbose_name=_("address"), blank=True)
    notes = models.TextField(verbose_name=_("notes"), blank=True)

    class Meta:
        abstract = True
        ordering = ["name"]

    def __str__(self):
        return self.name


class Supplier(Party):
    """A business the stores buy products from."""

    contact_person = models.CharField(
        verbose_name=_("contact person"), max_length=200, blank=True, db_index=True
    )

    class Meta(Party.Meta):
        verbose_name = _("supplier")
        verbose_name_plural = _("suppliers")

    def get_absolute_url(self):
        return reverse("suppliers:detail", args=[self.pk])


class Customer(Party):
    """Someone the stores sell to."""

    class Meta(Party.Meta):
        verbose_name = _("customer")
        verbose_name_plural = _("customers")

    def get_absolute_url(self):
        return reverse("customers:detail", args=[self.pk])
