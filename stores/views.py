from django.core.paginator import Paginator

from core.crud import RecordDetailView, RecordListCreateView
from core.sections import sections_for
from stores.forms import StoreFilterForm, StoreForm
from stores.models import Store


class StoreListView(RecordListCreateView):
    model = Store
    form_class = StoreForm
    filter_form_class = StoreFilterForm
    sort_fields = {"name": "name", "code": "code", "created": "created_at"}


class StoreDetailView(RecordDetailView):
    model = Store
    form_class = StoreForm

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        stock = self.object.stock_levels.select_related("product__unit").order_by(
            "product__name", "pk"
        )
        context["stock_page"] = Paginator(stock, 25).get_page(self.request.GET.get("page"))
        context["sections"] = sections_for("stores:detail", self.object, self.request)
        return context
