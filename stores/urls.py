from core.crud import record_urlpatterns
from stores.models import Store
from stores.views import StoreDetailView, StoreListView

app_name = "stores"

urlpatterns = record_urlpatterns("stores", Store, StoreListView, StoreDetailView)
