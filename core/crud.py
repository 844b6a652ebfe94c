"""Class-based views shared by every record type's pages.

Each app subclasses these and sets ``model``, ``form_class`` and friends; the
behaviour (search, sort, filters and pagination in the query string; refusing
to delete what history refers to; archiving) is written once, here.
"""

import functools
from collections import Counter
from collections.abc import Callable

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.core.paginator import Paginator
from django.db import IntegrityError, models, transaction
from django.db.models import ProtectedError, Q, RestrictedError
from django.http import HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import path, reverse_lazy
from django.utils.functional import cached_property
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django.views.generic import DeleteView, ListView, UpdateView, View
from django.views.generic.detail import SingleObjectMixin


def model_permission(model, action: str) -> str:
    """The codename Django gives a model's built-in permission, e.g. ``products.add_product``."""
    return f"{model._meta.app_label}.{action}_{model._meta.model_name}"


def matching_every_word(queryset, text: str | None, fields):
    """``queryset`` narrowed to rows with every word of ``text``, in any order, in any of
    ``fields``: "drill cordless" finds "Cordless Drill" (at most a few words, each one
    more condition)."""
    for word in (text or "").split()[:SEARCH_WORDS]:
        condition = Q()
        for field in fields:
            condition |= Q(**{f"{field}__icontains": word})
        queryset = queryset.filter(condition)
    return queryset


class FilterForm(forms.Form):
    """A GET form that narrows a list: styled small, and forgiving of bad values.

    A field with an invalid value (say a stale ``?category=`` id from a
    bookmark) is ignored; the others, like the search term, still apply.
    Its element ids start with "filter_" so they never clash with the ids of an
    add form on the same page (both may have a "category" field).
    """

    # The search box's name, where a form has one.
    search_field = "q"

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        # Every filter_queryset, however a form narrows, answers a refused search alike.
        if "filter_queryset" in cls.__dict__:
            cls.filter_queryset = _refusing_bad_searches(cls.__dict__["filter_queryset"])

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "filter_%s")
        super().__init__(*args, **kwargs)
        if search := self.fields.get(self.search_field):
            search.error_messages["max_length"] = _(
                "A search can be at most %(limit_value)d characters: shorten it."
            )
        for field in self.fields.values():
            if isinstance(field.widget, forms.CheckboxInput):
                css_class = "form-check-input"
            elif isinstance(field.widget, forms.Select):
                css_class = "form-select form-select-sm"
            else:
                css_class = "form-control form-control-sm"
            field.widget.attrs.setdefault("class", css_class)

    @property
    def valid_data(self) -> dict:
        """The fields holding valid values."""
        if not self.is_bound:
            return {}
        self.is_valid()
        return self.cleaned_data

    @property
    def search_refused(self) -> bool:
        """Whether the search is one we refuse (too long): the list then shows nothing and
        the form says why, rather than every row as if nothing had been asked."""
        return (
            self.is_bound
            and self.search_field in self.fields
            and (self.search_field in self.errors)
        )


def _refusing_bad_searches(filter_queryset):
    @functools.wraps(filter_queryset)
    def narrowed(self, queryset, *args, **kwargs):
        if self.search_refused:
            return queryset.none()
        return filter_queryset(self, queryset, *args, **kwargs)

    return narrowed


class CountedPaginator(Paginator):
    """A paginator told how to count its rows: for a grouped or annotated query whose
    rows are known to be as many as a simpler query's (``count`` is called once)."""

    def __init__(self, object_list, per_page, *, count: Callable[[], int], **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self._count = count

    @cached_property
    def count(self) -> int:
        return self._count()


LARGEST_OFFSET = 2**63 - 1


class PageCountedPaginator(CountedPaginator):
    """A :class:`CountedPaginator` whose page query counts every row too: ``object_list``
    yields dicts annotated with ``row_count = Window(RowCount())``
    (:class:`core.expressions.RowCount`). A page that has rows then costs one query,
    not a count and then the page (the page's query groups and sorts every row anyway);
    an empty first page counts none. Only a page past the end counts apart (``count``),
    to show the nearest one. No orphans."""

    def get_page(self, number):
        try:
            asked = int(number)
        except (TypeError, ValueError):
            asked = 1  # as Paginator.get_page: not a number, the first page
        bottom = (asked - 1) * self.per_page
        # A page number past what an OFFSET holds (a signed 64-bit integer on every
        # database) is past the end for sure: counted apart, as one past the last row is.
        if asked >= 1 and bottom + self.per_page <= LARGEST_OFFSET:
            rows = list(self.object_list[bottom : bottom + self.per_page])
            if rows or asked == 1:
                self.count = rows[0]["row_count"] if rows else 0  # the cached property
                return self._get_page(rows, asked, self)
        return super().get_page(number)


class NearestPageMixin:
    """ListView mixin: a page that no longer exists (or ``?page=last``) shows the nearest one.

    Bookmarked pages outlive the rows they showed; a 404 for them helps no one.
    """

    def paginate_queryset(self, queryset, page_size):
        paginator = self.get_paginator(queryset, page_size)
        number = self.request.GET.get(self.page_kwarg)
        page = paginator.get_page(paginator.num_pages if number == "last" else number)
        return paginator, page, page.object_list, page.has_other_pages()


# How many words of a search are matched (the rest are ignored).
SEARCH_WORDS = 5


class ListFilterForm(FilterForm):
    """The GET form of a list page: a search box and the archived filter.

    Subclasses add filter fields and extend :meth:`filter_queryset`.
    """

    STATUS_CHOICES = [("active", _("Active")), ("archived", _("Archived")), ("all", _("All"))]

    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    status = forms.ChoiceField(label=_("Status"), choices=STATUS_CHOICES, required=False)

    search_fields: tuple[str, ...] = ("name",)

    def search(self, queryset, text: str | None):
        """``queryset`` narrowed to the rows with every word of ``text`` in ``search_fields``."""
        return matching_every_word(queryset, text, self.search_fields)

    def filter_queryset(self, queryset):
        """Narrow ``queryset`` to what the form asks for."""
        data = self.valid_data
        queryset = self.search(queryset, data.get("q"))
        status = data.get("status") or "active"
        if status == "active":
            queryset = queryset.filter(is_active=True)
        elif status == "archived":
            queryset = queryset.filter(is_active=False)
        return queryset


class CaseInsensitiveUniqueMixin:
    """ModelForm mixin: ``case_insensitive_unique`` fields refuse a value that exists in any case.

    "main store" duplicates "Main Store" on every database, not only on MariaDB
    whose collation already compares case-insensitively.
    """

    case_insensitive_unique: tuple[str, ...] = ()

    def clean(self):
        cleaned_data = super().clean()
        model = self._meta.model
        for name in self.case_insensitive_unique:
            value = cleaned_data.get(name)
            if not value:
                continue
            others = model._default_manager.exclude(pk=self.instance.pk)
            if others.filter(**{f"{name}__iexact": value}).exists():
                # Django's own "… with this … already exists." message; the
                # field's error also keeps validate_unique from repeating it.
                self.add_error(name, self.instance.unique_error_message(model, (name,)))
        return cleaned_data


def save_or_report(form):
    """Save a valid model form, or put the database's refusal on the form and return None.

    The form checks uniqueness first, but two people saving the same name at
    the same moment both pass that check; the database's constraint then
    refuses the second, which gets a form error instead of a server error.
    """
    try:
        with transaction.atomic():
            return form.save()
    except IntegrityError:
        form.add_error(
            None,
            gettext(
                "Someone else saved a record that clashes with this one just now "
                "(the same name, code or SKU). Check the values and try again."
            ),
        )
        return None


class MethodPermissionMixin(PermissionRequiredMixin):
    """Reading needs the model's view permission; writing needs ``write_action``'s."""

    write_action = "change"

    def get_permission_required(self):
        action = "view" if self.request.method in ("GET", "HEAD", "OPTIONS") else self.write_action
        return (model_permission(self.model, action),)


class RecordListCreateView(MethodPermissionMixin, NearestPageMixin, ListView):
    """A list with search, sort, filters and pagination, and an add form on the same page.

    POST to the list URL creates a record; invalid input re-renders the page with
    the field errors and what was typed.
    """

    write_action = "add"
    paginate_by = 25
    form_class: type[forms.ModelForm]
    filter_form_class: type[ListFilterForm] = ListFilterForm
    # Query-string value -> ORM ordering; "-<value>" sorts descending.
    sort_fields: dict[str, str] = {"name": "name"}
    default_sort = "name"
    success_message = _("%(object)s was added.")

    def get_base_queryset(self):
        """The rows before search and filters; subclasses add joins and annotations."""
        return self.model._default_manager.all()

    def get_sort(self) -> str:
        requested = self.request.GET.get("sort", "")
        return requested if requested.removeprefix("-") in self.sort_fields else self.default_sort

    def get_queryset(self):
        self.filter_form = self.filter_form_class(self.request.GET or None)
        queryset = self.filter_form.filter_queryset(self.get_base_queryset())
        sort = self.get_sort()
        descending = sort.startswith("-")
        ordering = self.sort_fields[sort.removeprefix("-")]
        ordering = ordering if isinstance(ordering, (list, tuple)) else [ordering]
        # The primary key breaks ties so a page never repeats or skips a row.
        order_by = [f"-{field}" if descending else field for field in ordering]
        return queryset.order_by(*order_by, "-pk" if descending else "pk")

    def get_form(self):
        return self.form_class(self.request.POST if self.request.method == "POST" else None)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("form", self.get_form())
        context["filter_form"] = self.filter_form
        context["current_sort"] = self.get_sort()
        context["can_add"] = self.request.user.has_perm(model_permission(self.model, "add"))
        context["verbose_name"] = self.model._meta.verbose_name
        context["verbose_name_plural"] = self.model._meta.verbose_name_plural
        return context

    def post(self, request, *args, **kwargs):
        form = self.get_form()
        if form.is_valid() and (record := save_or_report(form)):
            messages.success(request, self.success_message % {"object": record})
            return HttpResponseRedirect(request.get_full_path())
        self.object_list = self.get_queryset()
        return self.render_to_response(self.get_context_data(form=form))


class RecordDetailView(MethodPermissionMixin, UpdateView):
    """A record's page: its fields, an update form, and what relates to it."""

    write_action = "change"
    success_message = _("%(object)s was saved.")

    def get_template_names(self):
        meta = self.model._meta
        return [f"{meta.app_label}/{meta.model_name}_detail.html"]

    def get_success_message(self, cleaned_data):
        return self.success_message % {"object": self.object}

    def form_valid(self, form):
        if save_or_report(form) is None:
            return self.form_invalid(form)
        messages.success(self.request, self.get_success_message(form.cleaned_data))
        return HttpResponseRedirect(self.get_success_url())

    def form_invalid(self, form):
        # The form keeps what was typed; the heading and related lists show
        # what is saved (validating copied the valid fields onto the instance).
        self.object = self.get_object()
        return super().form_invalid(form)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context["can_change"] = user.has_perm(model_permission(self.model, "change"))
        context["can_delete"] = user.has_perm(model_permission(self.model, "delete"))
        context["verbose_name"] = self.model._meta.verbose_name
        context["verbose_name_plural"] = self.model._meta.verbose_name_plural
        return context


def count_referrers(record) -> Counter:
    """Per model, how many records point at ``record`` through a PROTECT or RESTRICT key.

    One COUNT per relation, so a product with a long stock history is checked
    without loading its movements.
    """
    counts = Counter()
    for relation in record._meta.related_objects:
        if relation.on_delete not in (models.PROTECT, models.RESTRICT):
            continue
        manager = relation.related_model._base_manager
        if count := manager.filter(**{relation.field.name: record}).count():
            counts[relation.related_model] += count
    return counts


def describe_referrers(counts: Counter) -> str:
    """'3 products, 1 purchase and 2 sales refer to it' for the records that block a delete."""
    parts = [
        f"{count} {model._meta.verbose_name if count == 1 else model._meta.verbose_name_plural}"
        for model, count in sorted(counts.items(), key=lambda item: str(item[0]._meta.verbose_name))
    ]
    if len(parts) == 1:
        listed = parts[0]
    else:
        listed = gettext("%(others)s and %(last)s") % {
            "others": ", ".join(parts[:-1]),
            "last": parts[-1],
        }
    return ngettext("%(referrers)s refers to it", "%(referrers)s refer to it", counts.total()) % {
        "referrers": listed
    }


def describe_protected(error: ProtectedError | RestrictedError) -> str:
    """:func:`describe_referrers` for the objects a failed delete reports."""
    objects = getattr(error, "protected_objects", None) or error.restricted_objects
    return describe_referrers(Counter(type(obj) for obj in objects))


class RecordDeleteView(MethodPermissionMixin, DeleteView):
    """Confirm, then delete; refuse with a clear message while history refers to the record.

    The confirmation page already says when a record cannot be deleted and
    offers to archive it instead.
    """

    write_action = "delete"
    template_name = "layouts/confirm_delete.html"
    success_url = None  # the list page, e.g. reverse_lazy("stores:list")

    def get_permission_required(self):
        return (model_permission(self.model, "delete"),)

    def get_success_url(self):
        return self.success_url

    def refuse(self, reason: str):
        record = self.object
        messages.error(
            self.request,
            gettext(
                "%(record)s cannot be deleted: %(reason)s. "
                "Archive it instead: it leaves lists and pickers but stays in history."
            )
            % {"record": record, "reason": reason},
        )
        return redirect(record)

    def form_valid(self, form):
        record = self.object
        if referrers := count_referrers(record):
            return self.refuse(describe_referrers(referrers))
        try:
            record.delete()
        except (ProtectedError, RestrictedError) as error:
            # Something started referring to it since the check above.
            return self.refuse(describe_protected(error))
        messages.success(self.request, gettext("%(record)s was deleted.") % {"record": record})
        return redirect(self.get_success_url())

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["verbose_name"] = self.model._meta.verbose_name
        context["verbose_name_plural"] = self.model._meta.verbose_name_plural
        referrers = count_referrers(self.object)
        context["blocked_by"] = describe_referrers(referrers) if referrers else ""
        return context


class RecordArchiveView(PermissionRequiredMixin, SingleObjectMixin, View):
    """POST-only: archive (or, with ``restore = True``, restore) a record.

    Archiving is the soft form of deleting, so it needs the delete permission.
    """

    http_method_names = ["post"]
    restore = False

    def get_permission_required(self):
        return (model_permission(self.model, "delete"),)

    def post(self, request, *args, **kwargs):
        record = self.get_object()
        if self.restore:
            record.restore()
            messages.success(request, gettext("%(record)s was restored.") % {"record": record})
        else:
            record.archive()
            messages.success(
                request,
                gettext("%(record)s was archived. It stays in history; restore it any time.")
                % {"record": record},
            )
        return redirect(record)


def record_urlpatterns(namespace: str, model, list_view, detail_view) -> list:
    """The five routes every record type has: list, detail, delete, archive, restore."""
    return [
        path("", list_view.as_view(), name="list"),
        path("<int:pk>/", detail_view.as_view(), name="detail"),
        path(
            "<int:pk>/delete/",
            RecordDeleteView.as_view(model=model, success_url=reverse_lazy(f"{namespace}:list")),
            name="delete",
        ),
        path("<int:pk>/archive/", RecordArchiveView.as_view(model=model), name="archive"),
        path(
            "<int:pk>/restore/",
            RecordArchiveView.as_view(model=model, restore=True),
            name="restore",
        ),
    ]
