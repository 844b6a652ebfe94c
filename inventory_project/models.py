"""Abstract building blocks shared by the domain apps' models."""

from django.db import models


class ArchivableQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)

    def archived(self):
        return self.filter(is_active=False)


class ArchivableModel(models.Model):
    """A record that is archived instead of deleted once history refers to it.

    Archived records leave pickers and default lists but stay in history and
    can be restored.
    """

    is_active = models.BooleanField("active", default=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ArchivableQuerySet.as_manager()

    class Meta:
        abstract = True

    def archive(self) -> None:
        """Hide the record from pickers and default lists, keeping its history."""
        self.is_active = False
        self.save(update_fields=["is_active", "updated_at"])

    archive.alters_data = True

    def restore(self) -> None:
        """Bring an archived record back into pickers and lists."""
        self.is_active = True
        self.save(update_fields=["is_active", "updated_at"])

    restore.alters_data = True
