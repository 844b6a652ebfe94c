from django.conf import settings


def site(request):
    """Expose the product name and currency symbol to every template."""
    return {"SITE_NAME": settings.SITE_NAME, "CURRENCY_SYMBOL": settings.CURRENCY_SYMBOL}
