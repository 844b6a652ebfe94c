"""Middleware shared by every page."""

from django.db import DatabaseError
from django.utils.cache import patch_cache_control


class PrivatePagesMiddleware:
    """Every answer to a signed-in user is ``Cache-Control: private, no-store``.

    Pages, the pickers' JSON and the CSV exports show the shop's figures: a
    shared proxy must not keep them, and the browser's back button must not
    show them again after the user has logged out.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if self._signed_in(request):
            patch_cache_control(response, private=True, no_store=True)
        return response

    @staticmethod
    def _signed_in(request) -> bool:
        try:
            user = getattr(request, "user", None)
            return user is not None and user.is_authenticated
        except DatabaseError:
            # The session lives in the database, which is down: the answer is
            # the outage page, which shows nothing private.
            return False
