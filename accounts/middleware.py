"""A user given a temporary password chooses their own before anything else.

The flag lives on the profile (``must_change_password``, set by
``accounts.users.user_set_temporary_password``). It is copied into the session
at login, so the middleware reads the session it already has instead of
asking the database on every request; a temporary password set while the
user is signed in ends their session anyway (the password hash changed), so
the next login reads the flag again.
"""

from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse

from accounts.models import Profile

SESSION_FLAG = "accounts.must_change_password"


def remember_must_change_password(sender, request, user, **kwargs):
    """user_logged_in receiver: note in the new session whether a password change is due."""
    session = getattr(request, "session", None)
    if session is None:
        return
    if Profile.objects.filter(user=user, must_change_password=True).exists():
        session[SESSION_FLAG] = True
    else:
        session.pop(SESSION_FLAG, None)


def forget_must_change_password(request) -> None:
    """The user chose a new password: let them through again."""
    request.session.pop(SESSION_FLAG, None)


class PasswordChangeRequiredMiddleware:
    """Send a user whose password change is due to the password change page.

    Every page but that one, logging out and static files: the user can do
    nothing else until they have chosen their own password.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.session.get(SESSION_FLAG) and not self._allowed(request.path):
            # The page says why (ThrottledPasswordChangeView's change_due).
            return redirect("password_change")
        return self.get_response(request)

    @staticmethod
    def _allowed(path: str) -> bool:
        static = "/" + settings.STATIC_URL.lstrip("/")
        return path in (reverse("password_change"), reverse("logout")) or path.startswith(static)
