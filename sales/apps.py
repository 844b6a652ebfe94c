from django.apps import AppConfig


class SalesConfig(AppConfig):
    name = "sales"

    def ready(self):
        """Make sales known to the layers below, which never import it: the ledger's
        links to documents, the running-totals checks and rebuild, and the re-costing
        of sale lines when a revaluation changes what their units cost."""
        from core.totals import RunningTotals, register_running_totals
        from products.models import StockMovement, register_movement_documents
        from products.valuation import register_cost_restatement
        from sales import services
        from sales.models import ProductSales, SaleDay

        Kind = StockMovement.Kind
        register_movement_documents([Kind.SALE, Kind.SALE_VOID, Kind.SALE_RETURN], "sales:detail")
        register_cost_restatement(Kind.SALE, services.restate_sale_costs)
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
