from django.apps import AppConfig
from django.db.models.signals import post_migrate


def make_search_index(sender, using="default", **kwargs):
    """After every ``migrate``: the SQLite search index and its triggers (products.search)."""
    from products.search import ensure_search_index

    ensure_search_index(using)


class ProductsConfig(AppConfig):
    name = "products"

    def ready(self):
        """Make the present state kept beside the stock rows (products.state) known to
        ``verify_stock`` and ``rebuild_totals``, keep the rows' listing on archiving, and
        the search index after every ``migrate``."""
        from core.totals import RunningTotals, register_running_totals
        from products import signals, state

        signals.connect()
        post_migrate.connect(make_search_index, sender=self, dispatch_uid="products.search")
        register_running_totals(
            RunningTotals(
                name="stock",
                differences=state.state_differences,
                rebuild=state.rebuild_state,
                describe=state.describe_state,
            )
        )
