from django.conf import settings


def site(request):
    """Expose the product name, the currency symbol and the shop's letterhead to every template."""
    return {
        "SITE_NAME": settings.SITE_NAME,
        "CURRENCY_SYMBOL": settings.CURRENCY_SYMBOL,
        "SHOP_ADDRESS": settings.SHOP_ADDRESS,
        "SHOP_TAX_NUMBER": settings.SHOP_TAX_NUMBER,
    }
