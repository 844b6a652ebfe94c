from django.conf import settings
from django.db import models
from django.utils import timezone


class DigestSubscription(models.Model):
    """A user who asked for the low-stock digest by email (opt-in, one row per user)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="low_stock_digest"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        permissions = [
            ("receive_digestsubscription", "Can receive the low-stock digest by email"),
        ]

    def __str__(self):
        return f"Low-stock digest for {self.user}"


class LowStockDigestQuerySet(models.QuerySet):
    def latest_sent(self) -> "LowStockDigest | None":
        return self.order_by("-sent_at", "-pk").first()


class LowStockDigest(models.Model):
    """One run of ``send_low_stock_digest``: what was low then, so the next run reports
    only what crossed its minimum since."""

    sent_at = models.DateTimeField(default=timezone.now, db_index=True)
    # "product_id:store_id" of every pair needing replenishment at the time,
    # not only the new ones: a pair that recovers and falls again is news again.
    items = models.JSONField(default=list)
    new_items = models.PositiveIntegerField(
        default=0, help_text="Pairs reported for the first time."
    )
    recipients = models.PositiveIntegerField(default=0, help_text="Emails sent.")

    objects = LowStockDigestQuerySet.as_manager()

    class Meta:
        ordering = ["-sent_at", "-pk"]

    def __str__(self):
        return f"Low-stock digest of {timezone.localtime(self.sent_at):%Y-%m-%d %H:%M}"
