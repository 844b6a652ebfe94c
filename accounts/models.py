"""What accounts keep beside django.contrib.auth's users and groups: each user's profile.

This module also makes Django send post_migrate to accounts (it sends it only
to apps with a models module): accounts.apps syncs the Manager and Clerk roles then.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class Profile(models.Model):
    """A user's preferences and the stores they work in.

    A user without a profile has the defaults: no default store, every store.
    Who may change what here: the user their default store (``/accounts/profile/``),
    managers the stores (``/users/``); see :mod:`accounts.access` for the rule.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="profile",
        verbose_name=_("user"),
    )
    default_store = models.ForeignKey(
        "stores.Store",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("default store"),
        help_text=_("Pre-selected as the store of new sales, purchases, orders and transfers."),
    )
    # Existing users kept every store when this came in; a clerk added from
    # /users/ is given the stores they work in.
    all_stores = models.BooleanField(
        _("works in every store"),
        default=True,
        help_text=_("Records documents in any store, today's and those added later."),
    )
    stores = models.ManyToManyField(
        "stores.Store",
        blank=True,
        related_name="+",
        verbose_name=_("stores"),
        help_text=_("The stores this user records documents in, when not in every store."),
    )
    # Set when a manager gives a temporary password (accounts.users); while it
    # is set, accounts.middleware sends the user to the password change page,
    # which clears it.
    must_change_password = models.BooleanField(
        verbose_name=_("must change password"),
        default=False,
        help_text=_("Must choose a new password at the next login (after a temporary password)."),
    )

    class Meta:
        verbose_name = _("profile")
        verbose_name_plural = _("profiles")
        permissions = [("manage_users", "Can manage users")]

    def __str__(self):
        return gettext("Profile of %(user)s") % {"user": self.user}
