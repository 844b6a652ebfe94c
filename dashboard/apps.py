from django.apps import AppConfig


class DashboardConfig(AppConfig):
    """The dashboard, reports and exports: reads across every domain app."""

    name = "dashboard"
