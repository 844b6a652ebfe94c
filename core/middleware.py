"""Middleware shared by every page."""

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
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            patch_cache_control(response, private=True, no_store=True)
        return response
