from django.apps import AppConfig


class ImportsConfig(AppConfig):
    """A shop's data in from CSV or Excel: products, suppliers, customers, opening stock."""

    name = "imports"
