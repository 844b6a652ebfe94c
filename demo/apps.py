from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Demo data (``manage.py seed_demo``), written through the engine's public functions."""

    name = "demo"
