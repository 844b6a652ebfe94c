from django.apps import AppConfig


class PurchasesConfig(AppConfig):
    name = "purchases"

    def ready(self):
        from core.totals import RunningTotals, register_running_totals
        from purchases import services
        from purchases.models import PurchaseDay

        register_running_totals(
            RunningTotals(
                name="purchases",
                differences=services.totals_differences_from_lines,
                rebuild=services.rebuild_totals,
                describe=lambda: f"{PurchaseDay.objects.count():,} purchase days",
            )
        )
