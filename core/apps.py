from django.apps import AppConfig


class CoreConfig(AppConfig):
    """Shared machinery of the domain apps; it imports none of them."""

    name = "core"
