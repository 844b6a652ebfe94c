from django import forms
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from audit.changes import ACTION_LABELS, Action
from audit.tracking import tracked_models
from core.crud import FilterForm


def model_key(model) -> str:
    """How the query string names a model: "products.product"."""
    return model._meta.label_lower


class HistoryFilterForm(FilterForm):
    """The GET form of the history: who, what (a kind of record, and one record), when, action.

    A value that does not fit (a stale user id, an unknown model) is ignored, as in every
    list's filters.
    """

    ACTION_CHOICES = [("", _("Any"))] + [
        (str(action), ACTION_LABELS[action])
        for action in (Action.CREATE, Action.UPDATE, Action.DELETE)
    ]

    user = forms.ModelChoiceField(
        queryset=get_user_model().objects.order_by("username"),
        required=False,
        label=_("Who"),
        empty_label=_("Anyone"),
    )
    model = forms.ChoiceField(label=_("What"), required=False)
    # The largest id the entries' column holds.
    object = forms.IntegerField(
        label=_("Record id"), required=False, min_value=1, max_value=9_223_372_036_854_775_807
    )
    date_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    action = forms.TypedChoiceField(
        label=_("Action"), choices=ACTION_CHOICES, coerce=int, empty_value=None, required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        models = sorted(tracked_models(), key=lambda model: str(model._meta.verbose_name))
        self._models = {model_key(model): model for model in models}
        self.fields["model"].choices = [("", _("Any record"))] + [
            (key, capfirst(str(model._meta.verbose_name))) for key, model in self._models.items()
        ]

    def filters(self) -> dict:
        """Keyword arguments for :func:`audit.selectors.history`, from the valid fields."""
        data = self.valid_data
        model = self._models.get(data.get("model") or "")
        return {
            "actor": data.get("user"),
            "content_type": ContentType.objects.get_for_model(model) if model else None,
            "object_id": data.get("object"),
            "start": data.get("date_from"),
            "end": data.get("date_to"),
            "action": data.get("action"),
        }
