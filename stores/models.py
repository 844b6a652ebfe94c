from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.models import ArchivableModel
from core.text import CodeField, NameField


class Store(ArchivableModel):
    """A shop or warehouse that holds stock."""

    name = NameField(_("name"), max_length=120, unique=True)
    code = CodeField(
        _("code"),
        max_length=20,
        unique=True,
        help_text=_("Short code printed on documents, e.g. MAIN."),
    )
    address = models.TextField(_("address"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("store")
        verbose_name_plural = _("stores")
        # Case-insensitive uniqueness. MariaDB cannot index expressions, but
        # its default collation already compares without case, so the plain
        # unique fields above give the same guarantee there.
        constraints = [
            models.UniqueConstraint(Lower("name"), name="store_name_ci_unique"),
            models.UniqueConstraint(Lower("code"), name="store_code_ci_unique"),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("stores:detail", args=[self.pk])


class DocumentCounter(models.Model):
    """The last number given to one series of documents at one store in one year.

    ``key`` is "<series>:<printed stem>" ("sale:MAIN-2026-"; one unique column,
    so the row is created and counted up by one upsert). Its row is locked from the moment
    a number is taken until the document's transaction ends, so numbers are
    given in commit order, and a rolled-back document gives its number back:
    no gaps, no duplicates.
    """

    key = models.CharField(_("key"), max_length=60, unique=True)
    last_number = models.BigIntegerField(_("last number"), default=0)

    class Meta:
        verbose_name = _("document counter")
        verbose_name_plural = _("document counters")
        default_permissions = ()  # written by stores.numbering only

    def __str__(self):
        return f"{self.key}: {self.last_number}"
