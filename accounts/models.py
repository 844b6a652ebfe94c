"""What accounts keep beside django.contrib.auth's users and groups: each user's profile.

This module also makes Django send post_migrate to accounts (it sends it only
to apps with a models module): accounts.apps syncs the Manager and Clerk roles then.
"""

from django.conf import settings
from django.db import models


class Profile(models.Model):
    """A user's own preferences; a user without one has the defaults (no default store)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile"
    )
    default_store = models.ForeignKey(
        "stores.Store",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Pre-selected as the store of new sales, purchases, orders and transfers.",
    )

    def __str__(self):
        return f"Profile of {self.user}"
