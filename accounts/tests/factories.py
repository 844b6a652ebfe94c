from django.contrib.auth import get_user_model


def staff_user():
    """The user that test documents are recorded by (one, made on first use)."""
    user, _ = get_user_model().objects.get_or_create(username="factory-clerk")
    return user
