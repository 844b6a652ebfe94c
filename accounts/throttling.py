"""Login throttling on top of django-axes' lockout of one user name from one address.

* Password spraying: a few wrong passwords for each of many user names from
  one address stay under the per-user limit. :class:`AddressLimitHandler` also
  locks an address out after ``AXES_ADDRESS_FAILURE_LIMIT`` failures across
  all user names within the cool-off. The limit is higher than the per-user
  one, because a shop's staff share one address: one person's typos must not
  lock everyone out.
* The password-change form checks the old password: :func:`check_old_password`
  counts a wrong one as a failed login, so guessing there is throttled the
  same way (and a locked-out user cannot guess there either).
"""

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_client_ip_address
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.db.models import Sum


class AddressLimitHandler(AxesDatabaseHandler):
    """django-axes' database handler, plus a limit per address across user names."""

    def is_locked(self, request, credentials=None) -> bool:
        if super().is_locked(request, credentials):
            return True
        return self.address_failures(request) >= settings.AXES_ADDRESS_FAILURE_LIMIT

    def address_failures(self, request) -> int:
        """Failed logins from the request's address, for any user name, within the cool-off."""
        address = getattr(request, "axes_ip_address", None) or get_client_ip_address(request)
        if not address:
            return 0
        attempts = AccessAttempt.objects.filter(
            ip_address=address, attempt_time__gte=get_cool_off_threshold(request)
        )
        return attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0


def client_ip_address(request) -> str | None:
    """The address throttling counts for a request (AXES_CLIENT_IP_CALLABLE).

    Behind the TLS proxy (``BEHIND_TLS_PROXY``) every request comes from the
    proxy's address, and one address limit would lock the whole shop out: the
    client is then the address the proxy appended to ``X-Forwarded-For`` (the
    last one; those before it are whatever the client sent). Otherwise it is
    ``REMOTE_ADDR``.
    """
    if settings.CLIENT_ADDRESS_FROM_PROXY:
        appended = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")[-1].strip()
        if appended:
            return appended
    return request.META.get("REMOTE_ADDR")


def check_old_password(request, user, password: str) -> bool | None:
    """Whether ``password`` is ``user``'s, counted as a login attempt.

    ``None`` when the user (or the address) is locked out: the password is not
    even checked, so guessing goes no faster here than on the login page.
    """
    credentials = {"username": user.get_username()}
    if not AxesProxyHandler.is_allowed(request, credentials):
        return None
    if user.check_password(password):
        return True
    user_login_failed.send(sender=__name__, credentials=credentials, request=request)
    return False
