"""What accounts keep beside django.contrib.auth's users and groups: each user's profile.

This module also makes Django send post_migrate to accounts (it sends it only
to apps with a models module): accounts.apps syncs the Manager and Clerk roles then.
"""

from django.conf import settings
from django.db import models


class Profile(models.Model):
    """A user's preferences and the stores they work in.

    A user without a profile has the defaults: no default store, every store.
    Who may change what here: the user their default store (``/accounts/profile/``),
    managers the stores (``/users/``); see :mod:`accounts.access` for the rule.
    """

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
    # Existing users kept every store when this came in; a clerk added from
    # /users/ is given the stores they work in.
    all_stores = models.BooleanField(
        "works in every store",
        default=True,
        help_text="Records documents in any store, today's and those added later.",
    )
    stores = models.ManyToManyField(
        "stores.Store",
        blank=True,
        related_name="+",
        help_text="The stores this user records documents in, when not in every store.",
    )
    # Set when a manager gives a temporary password (accounts.users); while it
    # is set, accounts.middleware sends the user to the password change page,
    # which clears it.
    must_change_password = models.BooleanField(
        default=False,
        help_text="Must choose a new password at the next login (after a temporary password).",
    )

    class Meta:
        permissions = [("manage_users", "Can manage users")]

    def __str__(self):
        return f"Profile of {self.user}"
