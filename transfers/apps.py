from django.apps import AppConfig


class TransfersConfig(AppConfig):
    name = "transfers"

    def ready(self):
        """Make transfers known to the layers below, which never import them: the ledger's
        links, the re-costing of departures, the in-transit check of ``verify_stock``,
        and the in-transit sections of the product and store pages."""
        from core.sections import register_section
        from core.totals import RunningTotals, register_running_totals
        from products.models import StockMovement, register_movement_documents
        from products.valuation import register_cost_restatement
        from transfers import sections, services
        from transfers.models import Transfer

        Kind = StockMovement.Kind
        register_movement_documents(
            [
                Kind.TRANSFER_OUT,
                Kind.TRANSFER_OUT_VOID,
                Kind.TRANSFER_IN,
                Kind.TRANSFER_IN_VOID,
                Kind.TRANSIT_VARIANCE,
                Kind.TRANSIT_VARIANCE_VOID,
            ],
            "transfers:detail",
        )
        register_cost_restatement(Kind.TRANSFER_OUT, services.restate_transfer_costs)
        register_running_totals(
            RunningTotals(
                name="transfers in transit",
                differences=services.in_transit_differences,
                rebuild=lambda: None,  # nothing is stored: the lines are the totals
                describe=lambda: f"{Transfer.objects.in_transit().count():,} transfers in transit",
            )
        )
        register_section("products:detail", sections.product_in_transit)
        register_section("stores:detail", sections.store_in_transit)
