from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class DigestSubscription(models.Model):
    """A user who asked for the low-stock digest by email (opt-in, one row per user)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="low_stock_digest",
        verbose_name=_("user"),
    )
    created_at = models.DateTimeField(verbose_name=_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("digest subscription")
        verbose_name_plural = _("digest subscriptions")
        permissions = [
            ("receive_digestsubscription", "Can receive the low-stock digest by email"),
        ]

    def __str__(self):
        return gettext("Low-stock digest for %(user)s") % {"user": self.user}


class LowStockDigestQuerySet(models.QuerySet):
    def latest_sent(self) -> "LowStockDigest | None":
        return self.order_by("-sent_at", "-pk").first()


class LowStockDigest(models.Model):
    """One run of ``send_low_stock_digest``: what was low then, so the next run reports
    only what crossed its minimum since."""

    sent_at = models.DateTimeField(verbose_name=_("sent at"), default=timezone.now, db_index=True)
    # "product_id:store_id" of every pair needing replenishment at the time,
    # not only the new ones: a pair that recovers and falls again is news again.
    items = models.JSONField(verbose_name=_("items"), default=list)
    new_items = models.PositiveIntegerField(
        verbose_name=_("new items"), default=0, help_text=_("Pairs reported for the first time.")
    )
    recipients = models.PositiveIntegerField(
        verbose_name=_("recipients"), default=0, help_text=_("Emails sent.")
    )

    objects = LowStockDigestQuerySet.as_manager()

    class Meta:
        verbose_name = _("low stock digest")
        verbose_name_plural = _("low stock digests")
        ordering = ["-sent_at", "-pk"]

    def __str__(self):
        return gettext("Low-stock digest of %(sent_at)s") % {
            "sent_at": f"{timezone.localtime(self.sent_at):%Y-%m-%d %H:%M}"
        }
