"""Managing the shop's staff at /users/: the reads behind its pages and what its buttons do.

``accounts.user_views`` calls these; the forms in ``accounts.forms`` validate
first. Users are never deleted (documents and the ledger name who recorded
them): a user who leaves is deactivated, and can be reactivated.

Superusers and staff are left out of it: they have the admin, and a manager
who could give one of them a temporary password could sign in as them and
reach the admin.
"""

import secrets
from collections.abc import Iterable

from axes.helpers import get_cool_off
from axes.models import AccessAttempt
from axes.utils import reset as reset_login_attempts
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.tokens import default_token_generator
from django.db import transaction
from django.db.models import Prefetch, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext

from accounts.access import store_ids
from accounts.models import Profile
from accounts.roles import ROLES
from stores.models import Store

# Letters and digits that cannot be mistaken for each other when read out or
# copied from a screen (no 0/O, 1/l/I).
TEMPORARY_PASSWORD_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"


class UserChangeRefused(Exception):
    """An action on a user that is not allowed (deactivating oneself); its text says why."""


def within_stores_of(users, manager):
    """``users`` as a manager limited to some stores may manage them: only those limited
    to stores among the manager's. Otherwise such a manager could tick "every store" for
    a colleague, or give an all-stores manager a temporary password and sign in as them.
    """
    ids = store_ids(manager)
    if ids is None:
        return users
    return users.filter(profile__all_stores=False).exclude(
        profile__stores__in=Store.objects.exclude(pk__in=ids)
    )


def manageable_users():
    """The users /users/ manages, with their profile, stores and role prefetched.

    A constant number of queries for any number of rows: the profile is joined,
    the stores and the role groups come in one query each for the whole page.
    """
    role_groups = Group.objects.filter(name__in=ROLES).order_by("name")
    return (
        get_user_model()
        .objects.filter(is_superuser=False, is_staff=False)
        .select_related("profile")
        .prefetch_related(
            "profile__stores", Prefetch("groups", queryset=role_groups, to_attr="role_groups")
        )
    )


def name_of(user) -> str:
    """How pages and messages call a user: their full name, else their user name."""
    return user.get_full_name() or user.get_username()


def profile_of(user) -> Profile:
    """``user``'s profile, or an unsaved one with the defaults (every store) if they have none."""
    try:
        return user.profile
    except Profile.DoesNotExist:
        return Profile(user=user)


def role_of(user) -> str | None:
    """The role ``user`` holds (Manager before Clerk if the admin gave both), or None."""
    # role_groups: prefetched by manageable_users(), so a list page asks no more.
    groups = user.role_groups if hasattr(user, "role_groups") else user.groups.all()
    names = {group.name for group in groups}
    return next((role for role in ROLES if role in names), None)


def _lockout_attempts():
    """django-axes' records of failed logins that still count (within the cool-off)."""
    attempts = AccessAttempt.objects.order_by()
    cool_off = get_cool_off()
    if cool_off is not None:
        attempts = attempts.filter(attempt_time__gte=timezone.now() - cool_off)
    return attempts


def locked_out_usernames(usernames: Iterable[str]) -> set[str]:
    """Which of ``usernames`` are locked out now, in one query.

    The same count django-axes makes at login: the failures for a user name
    from one address within the cool-off, against AXES_FAILURE_LIMIT.
    """
    rows = (
        _lockout_attempts()
        .filter(username__in=list(usernames))
        .values("username", "ip_address")
        .annotate(failures=Sum("failures_since_start"))
        .filter(failures__gte=settings.AXES_FAILURE_LIMIT)
    )
    return {row["username"] for row in rows}


def is_locked_out(user) -> bool:
    return bool(locked_out_usernames([user.get_username()]))


@transaction.atomic
def user_save(*, user, role: str, all_stores: bool, stores: Iterable) -> None:
    """Save ``user`` (new or changed) with exactly ``role`` among the roles, and their stores.

    Groups other than the roles are kept. The profile is written with
    update_or_create: the user may have none yet.
    """
    if user._state.adding:
        # No password yet: the manager gives a link or a temporary password next.
        user.set_unusable_password()
    user.save()
    role_groups = Group.objects.filter(name__in=ROLES)
    user.groups.remove(*role_groups.exclude(name=role))
    user.groups.add(role_groups.get(name=role))
    profile, _ = Profile.objects.update_or_create(user=user, defaults={"all_stores": all_stores})
    profile.stores.set(stores)


user_save.alters_data = True


def user_deactivate(*, user, by) -> None:
    """Stop ``user`` signing in (their open sessions end too); what they recorded keeps them."""
    if user.pk == by.pk:
        raise UserChangeRefused(
            gettext(
                "You cannot deactivate your own account: ask another manager if you are leaving."
            )
        )
    user.is_active = False
    user.save(update_fields=["is_active"])


user_deactivate.alters_data = True


def user_reactivate(*, user) -> None:
    user.is_active = True
    user.save(update_fields=["is_active"])


user_reactivate.alters_data = True


def generate_temporary_password() -> str:
    """A random password to read out or copy: 12 characters in groups of four (about 69 bits)."""
    groups = (
        "".join(secrets.choice(TEMPORARY_PASSWORD_ALPHABET) for _ in range(4)) for _ in range(3)
    )
    return "-".join(groups)


@transaction.atomic
def user_set_temporary_password(*, user, password: str) -> None:
    """Give ``user`` a password a manager knows, which they must change at their next login.

    Changing the password also ends their open sessions (Django checks each
    session against the password hash).
    """
    user.set_password(password)
    user.save(update_fields=["password"])
    Profile.objects.update_or_create(user=user, defaults={"must_change_password": True})


user_set_temporary_password.alters_data = True


def password_chosen(user) -> None:
    """``user`` chose their own password (change form or reset link): no change is due."""
    Profile.objects.filter(user=user, must_change_password=True).update(must_change_password=False)


password_chosen.alters_data = True


def password_reset_path(user) -> str:
    """The path of a one-time link with which ``user`` sets a new password.

    Django's reset token: it stops working once used (it covers the password
    hash), when the user signs in (and their last login changes), and after
    PASSWORD_RESET_TIMEOUT. Nothing is stored.
    """
    return reverse(
        "password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )


def user_unlock(*, user) -> int:
    """End ``user``'s login lockout now, from every address; the number of records cleared.

    Through django-axes' handler, so whichever handler is configured forgets them.
    """
    return reset_login_attempts(username=user.get_username())


user_unlock.alters_data = True
