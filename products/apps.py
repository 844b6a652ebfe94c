from django.apps import AppConfig


class ProductsConfig(AppConfig):
    name = "products"

    def ready(self):
        """Make the present state kept beside the stock rows (products.state) known to
        ``verify_stock`` and ``rebuild_totals``, and keep the rows' listing on archiving."""
        from core.totals import RunningTotals, register_running_totals
        from products import signals, state

        signals.connect()
        register_running_totals(
            RunningTotals(
                name="stock",
                differences=state.state_differences,
                rebuild=state.rebuild_state,
                describe=state.describe_state,
            )
        )
