"""Which stores a user works in: where they may record and act on documents.

The rule, in one place: a superuser, a user without a profile and a user whose
profile says "every store" work everywhere; anyone else only in their profile's
stores (none at all if none are ticked). Other stores' documents and stock stay
visible read-only, unless ``settings.HIDE_OTHER_STORES`` is true.

The document apps apply it in three ways, so that a crafted POST finds the same
wall as the page:

* store pickers offer only these stores (:func:`limit_store_fields`), so a post
  naming another store is a form error on that field, and nothing is written;
* actions on an existing document (void, return, receive, dispatch...) take it
  from :func:`acting_queryset`: another store's document is a 403;
* lists and detail pages read through :func:`visible_queryset`.
"""

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.utils.translation import gettext, gettext_noop

from stores.models import Store

# The message of a refused action; the store's name is not repeated (the page shows it).
# In English (stored in import reports as it is); gettext(NOT_YOUR_STORE) where it is shown.
NOT_YOUR_STORE = gettext_noop(
    "You do not work in this store: ask a manager to add it to your stores."
)


def works_everywhere(user) -> bool:
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    profile = _profile(user)
    return profile is None or profile.all_stores


def store_ids(user) -> frozenset[int] | None:
    """The ids of the stores ``user`` works in; ``None`` for every store.

    Cached on the user object for the request: the pickers, the checks and the
    lists of one page ask several times.
    """
    if not hasattr(user, "_acting_store_ids"):
        if works_everywhere(user):
            ids = None
        elif not user.is_authenticated:
            ids = frozenset()
        else:
            ids = frozenset(_profile(user).stores.values_list("pk", flat=True))
        user._acting_store_ids = ids
    return user._acting_store_ids


def acting_stores(user):
    """The stores ``user`` records documents in, as a queryset (archived ones included)."""
    ids = store_ids(user)
    return Store.objects.all() if ids is None else Store.objects.filter(pk__in=ids)


def may_act_in(user, *stores) -> bool:
    """Whether ``user`` works in every one of ``stores`` (Store instances or ids)."""
    ids = store_ids(user)
    if ids is None:
        return True
    return all(getattr(store, "pk", store) in ids for store in stores if store is not None)


def require_store(user, *stores) -> None:
    """Raise PermissionDenied (a 403 page) unless ``user`` works in all of ``stores``."""
    if not may_act_in(user, *stores):
        raise PermissionDenied(gettext(NOT_YOUR_STORE))


def store_condition(user, *fields: str) -> Q:
    """A filter keeping rows whose ``fields`` (store foreign keys) are any of the user's stores.

    With several fields (a transfer's origin and destination), a row matches if
    any of them is the user's: a clerk of the receiving store acts on a transfer too.
    """
    ids = store_ids(user)
    if ids is None:
        return Q()
    condition = Q(pk__in=[])
    for field in fields:
        condition |= Q(**{f"{field}__in": ids})
    return condition


def acting_queryset(queryset, user, *fields: str):
    """``queryset`` limited to the documents ``user`` may act on (see :func:`store_condition`)."""
    return queryset.filter(store_condition(user, *(fields or ("store",))))


def visible_queryset(queryset, user, *fields: str):
    """``queryset`` as ``user`` may see it: everything, unless other stores are hidden."""
    if not settings.HIDE_OTHER_STORES:
        return queryset
    return acting_queryset(queryset, user, *fields)


def limit_store_fields(form, user, *names: str) -> None:
    """Offer only ``user``'s stores in the form's store pickers ``names`` (default: "store").

    Another store's id posted anyway is then "not one of the available choices",
    reworded here to say why.
    """
    ids = store_ids(user)
    if ids is None:
        return
    for name in names or ("store",):
        field = form.fields.get(name)
        if field is None:
            continue
        field.queryset = field.queryset.filter(pk__in=ids)
        field.error_messages["invalid_choice"] = gettext(
            "Choose one of your stores (you do not work in the others)."
        )


def _profile(user):
    # Through the reverse relation: a user without a profile raises
    # RelatedObjectDoesNotExist, an AttributeError.
    try:
        return user.profile
    except AttributeError:
        return None


class LimitStorePickersMixin:
    """For a document's create or edit view (core.documents.DocumentCreateView).

    Its header form offers only the user's stores in ``store_fields``; a post
    naming another store is a form error on that field, and nothing is written.
    """

    store_fields: tuple[str, ...] = ("store",)

    def get_form(self, data=None, **kwargs):
        form = super().get_form(data, **kwargs)
        limit_store_fields(form, self.request.user, *self.store_fields)
        return form

    def get_default_store_initial(self) -> dict:
        """The user's default store; without one, their only store if they work in one."""
        initial = super().get_default_store_initial()
        ids = store_ids(self.request.user)
        if not initial and ids is not None and len(ids) == 1:
            initial = {self.default_store_field: next(iter(ids))}
        return initial


class VisibleStoresMixin:
    """For a list or detail view of documents: with ``settings.HIDE_OTHER_STORES``, only
    those of the user's stores (another's detail page is then a 404)."""

    store_fields: tuple[str, ...] = ("store",)

    def get_queryset(self):
        return visible_queryset(super().get_queryset(), self.request.user, *self.store_fields)


class ActsInStoreMixin:
    """For a view acting on one existing document (SingleObjectMixin): a 403 unless
    the user works in the document's ``store_fields`` (all of them)."""

    store_fields: tuple[str, ...] = ("store",)

    def get_object(self, queryset=None):
        document = super().get_object(queryset)
        require_store_of(self.request.user, document, self.store_fields)
        return document


def require_store_of(user, document, store_fields=("store",)) -> None:
    """PermissionDenied unless ``user`` works in each store of ``document``'s ``store_fields``."""
    require_store(user, *(getattr(document, f"{field}_id") for field in store_fields))
