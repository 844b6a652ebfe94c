from django.apps import AppConfig


class SalesConfig(AppConfig):
    name = "sales"

    def ready(self):
        from core.totals import RunningTotals, register_running_totals
        from sales import services
        from sales.models import ProductSales, SaleDay

        register_running_totals(
            RunningTotals(
                name="sales",
                differences=services.totals_differences_from_lines,
                rebuild=services.rebuild_totals,
                describe=lambda: (
                    f"{SaleDay.objects.count():,} sale days and "
                    f"{ProductSales.objects.count():,} per-product sales totals"
                ),
            )
        )
