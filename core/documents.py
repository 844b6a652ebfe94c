"""Views and forms shared by every document type (purchases, sales, and those to come).

Each app configures them (model, forms, the service that records or voids);
the views stay thin: they validate, call the service, and turn a domain
refusal (:class:`~core.exceptions.OperationRefused`) into a message. What is
particular to stock documents (a line naming a product, the store filter, a
shortfall shown on its line) is in :mod:`products.documents`.
"""

import datetime

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.forms.formsets import TOTAL_FORM_COUNT
from django.shortcuts import redirect
from django.utils import formats, timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.generic import DetailView, ListView, TemplateView, View
from django.views.generic.detail import SingleObjectMixin

from core.crud import FilterForm, NearestPageMixin, model_permission
from core.exceptions import AlreadyVoided, OperationRefused
from core.submissions import AlreadySubmitted, SubmissionTokenMixin, submit_once
from core.text import mid_sentence


class DocumentFilterForm(FilterForm):
    """The GET form of a document list: party, date range, voided or not.

    The party (supplier or customer, a PartyField declared by the subclass) is
    typed or searched for; archived ones are taken too, for their history.

    Voided documents stay visible (marked) unless the user asks for valid ones only.
    """

    STATUS_CHOICES = [("", _("All")), ("valid", _("Not voided")), ("voided", _("Voided"))]

    date_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    status = forms.ChoiceField(label=_("Status"), choices=STATUS_CHOICES, required=False)

    party_field = ""  # "supplier" or "customer", set by the subclass

    def filter_queryset(self, queryset):
        data = self.valid_data
        if data.get(self.party_field):
            queryset = queryset.filter(**{self.party_field: data[self.party_field]})
        queryset = queryset.in_period(data.get("date_from"), data.get("date_to"))
        status = data.get("status") or ""
        if status == "valid":
            queryset = queryset.filter(voided_at__isnull=True)
        elif status == "voided":
            queryset = queryset.filter(voided_at__isnull=False)
        return queryset


class DocumentHeaderForm(forms.ModelForm):
    """The header of a new purchase or sale: who, where, when.

    Who (the supplier or customer) is a PartyField, typed or searched for, not a
    <select>: a shop may have thousands of customers. Only active ones are taken.

    Stock documents are dated today or earlier, as in most stock systems: a
    future date would let history change after the fact.
    """

    EARLIEST_DATE = datetime.date(2000, 1, 1)
    # Foreign keys whose <select> offers active records only, by name.
    active_choice_fields = ("store",)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in self.active_choice_fields:
            field = self.fields[name]
            field.queryset = field.queryset.active().order_by("name")

    def clean_date(self):
        date = self.cleaned_data["date"]
        if date > timezone.localdate():
            raise forms.ValidationError(gettext("The date cannot be in the future."), code="future")
        if date < self.EARLIEST_DATE:
            raise forms.ValidationError(
                gettext("The date cannot be before %(earliest)s.")
                % {"earliest": formats.date_format(self.EARLIEST_DATE, "DATE_FORMAT")},
                code="too_early",
            )
        return date


# The most lines one document holds; the page's script adds no more. A post
# claiming up to twice as many is shown again with its lines and the error; one
# claiming more is refused before a form is built for each claimed line (see
# BaseDocumentLineFormSet).
MAX_DOCUMENT_LINES = 100


class BaseDocumentLineFormSet(forms.BaseFormSet):
    default_error_messages = {
        **forms.BaseFormSet.default_error_messages,
        "too_many_forms": _("A document can have at most %(num)d lines."),
        "too_few_forms": _("Add at least one line."),
    }

    def total_form_count(self):
        """How many line forms to build: none at all for a post claiming too many.

        Django would build ``absolute_max`` forms and render them all again with
        the error; a 200-byte post with ``TOTAL_FORMS=100000`` then cost seconds
        of CPU and megabytes of page. Refusing it with no line costs what a
        normal post does; ``full_clean`` still reports "too many lines". A few
        lines too many (up to ``absolute_max``) come back as typed.
        """
        if self.is_bound:
            claimed = self.management_form.cleaned_data.get(TOTAL_FORM_COUNT) or 0
            if claimed > self.absolute_max:
                return 0
        return super().total_form_count()

    @property
    def filled_forms(self):
        """The line forms the user filled in (blank extra rows are ignored)."""
        return [form for form in self.forms if form.has_changed() and form.cleaned_data]


def document_line_formset(line_form):
    return forms.formset_factory(
        line_form,
        formset=BaseDocumentLineFormSet,
        extra=0,
        min_num=1,
        validate_min=True,
        max_num=MAX_DOCUMENT_LINES,
        validate_max=True,
        absolute_max=2 * MAX_DOCUMENT_LINES,
    )


class DocumentListView(PermissionRequiredMixin, NearestPageMixin, ListView):
    paginate_by = 25
    filter_form_class: type[DocumentFilterForm]

    def get_permission_required(self):
        return (model_permission(self.model, "view"),)

    def get_queryset(self):
        self.filter_form = self.filter_form_class(self.request.GET or None)
        queryset = (
            self.model.objects.select_related(self.filter_form.party_field, "store")
            .with_totals()
            .order_by("-date", "-pk")
        )
        return self.filter_form.filter_queryset(queryset)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["filter_form"] = self.filter_form
        context["can_add"] = self.request.user.has_perm(model_permission(self.model, "add"))
        return context


class DocumentCreateView(PermissionRequiredMixin, SubmissionTokenMixin, TemplateView):
    """The new-document page: header form plus a formset of lines.

    Subclasses implement :meth:`record`, which calls the app's service. The
    form carries a one-time token (core.submissions): sent twice, it records once.
    """

    form_class: type[forms.ModelForm]
    formset_class: type[BaseDocumentLineFormSet]
    # The header field that the user's default store pre-selects.
    default_store_field = "store"

    def get_permission_required(self):
        return (model_permission(self.model, "add"),)

    def get_initial(self) -> tuple[dict, list[dict]]:
        """Prefill from the query string, e.g. ``?product=7&supplier=3`` from the dashboard."""
        return {}, []

    def get_form(self, data=None, **kwargs):
        """The header form; apps limit its store pickers to the user's stores here."""
        return self.form_class(data, **kwargs)

    def get_default_store_initial(self) -> dict:
        """The user's default store (chosen on their profile), pre-selected; none: empty."""
        # Through the user's reverse relation, as core may not import accounts. A
        # user without a profile raises RelatedObjectDoesNotExist, an AttributeError,
        # so getattr's default covers them. One query, on new-document pages only.
        # An archived default is not among the <select>'s options: nothing is selected.
        profile = getattr(self.request.user, "profile", None)
        store_id = getattr(profile, "default_store_id", None)
        return {self.default_store_field: store_id} if store_id else {}

    def get(self, request, *args, **kwargs):
        header_initial, lines_initial = self.get_initial()
        # A store the URL gives (a reorder link, ?store=) wins over the default.
        header_initial = {**self.get_default_store_initial(), **header_initial}
        form = self.get_form(initial=header_initial)
        formset = self.formset_class(prefix="lines", initial=lines_initial or None)
        return self.render_to_response(self.get_context_data(form=form, formset=formset))

    def post(self, request, *args, **kwargs):
        form = self.get_form(request.POST)
        formset = self.formset_class(request.POST, prefix="lines")
        if form.is_valid() and formset.is_valid():
            try:
                document = submit_once(request, lambda: self.record(form, formset.filled_forms))
            except AlreadySubmitted as submitted:
                return submitted.response(request)
            except OperationRefused as error:
                self.show_refusal(form, formset, error)
            else:
                messages.success(
                    request, gettext("%(document)s was recorded.") % {"document": document}
                )
                return redirect(document)
        return self.render_to_response(self.get_context_data(form=form, formset=formset))

    def record(self, form, line_forms):
        raise NotImplementedError

    def show_refusal(self, form, formset, error: OperationRefused) -> None:
        """Show why the service refused the document, keeping what was typed."""
        form.add_error(None, gettext("Nothing was saved: %(reason)s.") % {"reason": error})


def not_a_draft(request, document):
    """Back to ``document``, saying why its edit page is refused: it was sent since (an
    old tab, a bookmark, the form sent again)."""
    messages.error(
        request,
        gettext("%(document)s is %(status)s: only a draft can be edited.")
        % {"document": document, "status": mid_sentence(document.get_status_display())},
    )
    return redirect(document)


class DocumentDetailView(PermissionRequiredMixin, DetailView):
    def get_permission_required(self):
        return (model_permission(self.model, "view"),)

    def get_queryset(self):
        return self.model.objects.select_related("store", "created_by", "voided_by").with_totals()

    def is_voidable(self) -> bool:
        """Whether the document may still be voided, whoever asks; apps add their conditions."""
        return not self.object.is_voided

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["lines"] = self.object.lines.select_related("product__unit")
        meta = self.model._meta
        context["can_void"] = self.is_voidable() and self.request.user.has_perm(
            f"{meta.app_label}.void_{meta.model_name}"
        )
        return context


class VoidForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=255, strip=True)


class DocumentVoidView(PermissionRequiredMixin, SingleObjectMixin, View):
    """POST-only: void a document through its app's service."""

    http_method_names = ["post"]

    def get_permission_required(self):
        meta = self.model._meta
        return (f"{meta.app_label}.void_{meta.model_name}",)

    def void(self, document, user, reason):
        raise NotImplementedError

    def post(self, request, *args, **kwargs):
        document = self.get_object()
        form = VoidForm(request.POST)
        if not form.is_valid():
            if form.has_error("reason", "max_length"):
                messages.error(
                    request, gettext("Keep the reason for voiding to 255 characters or fewer.")
                )
            else:
                messages.error(request, gettext("Give a reason for voiding."))
            return redirect(document)
        try:
            self.void(document, request.user, form.cleaned_data["reason"])
        except AlreadyVoided as error:
            messages.warning(request, str(error))
        except OperationRefused as error:
            messages.error(
                request,
                gettext("%(document)s cannot be voided: %(reason)s.")
                % {"document": document, "reason": error},
            )
        else:
            messages.success(
                request,
                gettext("%(document)s was voided; its stock movements were reversed.")
                % {"document": document},
            )
        return redirect(document)
