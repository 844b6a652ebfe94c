from django.db import models
from django.urls import reverse

from inventory_project.models import ArchivableModel


class Store(ArchivableModel):
    """A shop or warehouse that holds stock."""

    name = models.CharField(max_length=120, unique=True)
    code = models.CharField(
        max_length=20, unique=True, help_text="Short code printed on documents, e.g. MAIN."
    )
    address = models.TextField(blank=True)
    phone = models.CharField(max_length=40, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("stores:detail", args=[self.pk])
