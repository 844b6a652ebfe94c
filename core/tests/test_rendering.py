"""The quick <select> renderer writes exactly what Django's templates write."""

import datetime

import pytest
from django import forms
from django.contrib.auth.models import Group
from django.forms.renderers import DjangoTemplates
from django.test import override_settings
from django.utils import translation
from django.utils.safestring import mark_safe

from core.rendering import QuickSelectRenderer, QuickSelectTemplate

CHOICES = [
    ("", "---------"),
    ("Tools", [("drill", "Drill & <bits>"), ("saw", "Saw")]),
    (3, 1234567),
    ("quote", 'Say "when"'),
    ("safe", mark_safe("<b>bold</b>")),
]


class DisabledOptionSelect(forms.Select):
    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        if value == "saw":
            option["attrs"].update(disabled=True, hidden=False, **{"data-note": "out <of> stock"})
        return option


class CustomOptionSelect(forms.Select):
    option_template_name = "django/forms/widgets/input.html"


def both(widget, value, attrs=None) -> tuple[str, str]:
    """``widget`` rendered by Django's renderer and by the quick one."""
    django_html = widget.render("field", value, attrs, renderer=DjangoTemplates())
    quick_html = widget.render("field", value, attrs, renderer=QuickSelectRenderer())
    return django_html, quick_html


@pytest.mark.parametrize(
    ("widget", "value"),
    [
        (forms.Select(choices=CHOICES), "drill"),
        (forms.Select(choices=CHOICES), ""),
        (forms.Select(choices=CHOICES), None),
        (forms.Select(choices=CHOICES, attrs={"class": "form-select", "required": True}), 3),
        (forms.Select(choices=CHOICES, attrs={"data-x": 'a"b', "disabled": False}), "quote"),
        (DisabledOptionSelect(choices=CHOICES), "saw"),
        (forms.SelectMultiple(choices=CHOICES), ["drill", "3"]),
        (forms.NullBooleanSelect(), True),
        (forms.NullBooleanSelect(), None),
        (forms.Select(choices=[]), None),
    ],
)
def test_the_quick_select_writes_what_djangos_templates_write(widget, value):
    django_html, quick_html = both(widget, value, attrs={"id": "id_field"})

    assert quick_html == django_html


def test_labels_are_localised_and_escaped_as_in_a_template():
    widget = forms.Select(choices=CHOICES)
    with translation.override("de"), override_settings(USE_THOUSAND_SEPARATOR=True):
        django_html, quick_html = both(widget, "drill")

    assert quick_html == django_html
    assert "1.234.567" in quick_html  # localised in German
    assert "Drill &amp; &lt;bits&gt;" in quick_html
    assert "<b>bold</b>" in quick_html  # already safe: not escaped again


def test_a_date_widgets_selects_are_written_the_same():
    widget = forms.SelectDateWidget(years=[2025, 2026])
    django_html, quick_html = both(widget, datetime.date(2026, 12, 5))

    assert quick_html == django_html
    assert '<option value="2026" selected>2026</option>' in quick_html


@pytest.mark.django_db
def test_a_model_choice_field_is_written_the_same():
    Group.objects.create(name="Anchor & Sons")
    group = Group.objects.create(name="Bolt <Ltd>")
    field = forms.ModelChoiceField(queryset=Group.objects.order_by("name"))

    django_html, quick_html = both(field.widget, group.pk)

    assert quick_html == django_html
    assert f'<option value="{group.pk}" selected>Bolt &lt;Ltd&gt;</option>' in quick_html


def test_options_with_their_own_template_are_left_to_the_templates():
    # The fallback must be taken: the Python path would write <option>, not <input>.
    django_html, quick_html = both(CustomOptionSelect(choices=CHOICES), "drill")

    assert quick_html == django_html
    assert "<input" in quick_html


def test_forms_use_the_quick_renderer(monkeypatch):
    rendered = []
    original = QuickSelectTemplate.render

    def spy(self, context=None, request=None):
        rendered.append(context["widget"]["name"])
        return original(self, context, request)

    monkeypatch.setattr(QuickSelectTemplate, "render", spy)

    class Form(forms.Form):
        colour = forms.ChoiceField(choices=[("red", "Red")])

    str(Form()["colour"])

    assert rendered == ["colour"]
