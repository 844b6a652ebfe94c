from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission


def staff_user():
    """The user that test documents are recorded by (one, made on first use).

    It may set any sale price (sales.pricing), as tests choose their prices to
    make their figures; the pricing rules have tests of their own.
    """
    user, created = get_user_model().objects.get_or_create(username="factory-clerk")
    if created:
        may_set_prices(user)
    return user


def may_set_prices(user):
    """Give ``user`` the permission to sell at any price (sales.pricing); returns it."""
    user.user_permissions.add(
        Permission.objects.get(content_type__app_label="sales", codename="override_price")
    )
    return user
