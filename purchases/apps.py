from django.apps import AppConfig


class PurchasesConfig(AppConfig):
    name = "purchases"

    def ready(self):
        """Make purchases known to the layers below, which never import it: the ledger's
        links to documents, the running-totals checks and rebuild (on order included),
        and the product page's open orders."""
        from core.sections import register_section
        from core.totals import RunningTotals, register_running_totals
        from products.models import StockMovement, register_movement_documents
        from purchases import orders, sections, services
        from purchases.models import PurchaseDay, PurchaseOrder, PurchaseReturnDay

        Kind = StockMovement.Kind
        register_movement_documents(
            [Kind.PURCHASE, Kind.PURCHASE_VOID, Kind.PURCHASE_RETURN], "purchases:detail"
        )
        register_running_totals(
            RunningTotals(
                name="purchases",
                differences=services.totals_differences_from_lines,
                rebuild=services.rebuild_totals,
                describe=lambda: (
                    f"{PurchaseDay.objects.count():,} purchase days and "
                    f"{PurchaseReturnDay.objects.count():,} return-to-supplier days"
                ),
            )
        )
        register_running_totals(
            RunningTotals(
                name="purchase orders on order",
                differences=orders.on_order_differences,
                rebuild=orders.rebuild_on_order,
                describe=lambda: f"{PurchaseOrder.objects.open().count():,} open purchase orders",
            )
        )
        register_section("products:detail", sections.product_on_order)
