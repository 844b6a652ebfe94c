from django.apps import AppConfig


class ReplenishmentConfig(AppConfig):
    """What to order or transfer so each store stays between its minimum and maximum.

    Above the document apps (it drafts purchase orders and transfers), below
    the dashboard (which shows its needs-attention list).
    """

    name = "replenishment"
