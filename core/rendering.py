"""The form renderer: Django's own, with the options of a ``<select>`` written in Python.

Django renders every ``<option>`` through two included templates
(``select_option.html``, then ``attrs.html``). A products page carries about
400 options (the add form's and the filter form's suppliers, categories, units,
tax rates and stores); their includes took about half the page's rendering at
the large demo. :class:`QuickSelectRenderer` writes the same markup, byte for
byte, from the same widget context; a widget whose options use another
template is rendered by its templates as before.
"""

from django.forms.renderers import DjangoTemplates
from django.template import Context
from django.template.base import render_value_in_context
from django.utils.safestring import mark_safe

SELECT_TEMPLATE = "django/forms/widgets/select.html"
OPTION_TEMPLATE = "django/forms/widgets/select_option.html"

# What render_value_in_context reads of a context: autoescape on, the settings'
# localisation and time zone (as a template rendered by the renderer has them).
_DEFAULT_CONTEXT = Context()


class QuickSelectRenderer(DjangoTemplates):
    """``DjangoTemplates`` (Django's default renderer), but for the ``<select>`` template."""

    def get_template(self, template_name):
        template = super().get_template(template_name)
        if template_name == SELECT_TEMPLATE:
            return QuickSelectTemplate(template)
        return template


class QuickSelectTemplate:
    """Django's ``select.html`` in Python; ``template`` (the real one) for custom options."""

    def __init__(self, template):
        self.template = template

    def render(self, context=None, request=None):
        widget = context["widget"]
        groups = widget["optgroups"]
        options = [option for _, group, _ in groups for option in group]
        if any(option["template_name"] != OPTION_TEMPLATE for option in options):
            return self.template.render(context, request)
        parts = [f"<select name={_quoted(widget['name'])}{_attributes(widget['attrs'])}>"]
        for group_name, options, _ in groups:
            if group_name:
                parts.append(f"\n  <optgroup label={_quoted(group_name)}>")
            parts.extend(
                f"\n  <option value={_quoted(str(option['value']))}{_attributes(option['attrs'])}>"
                f"{_text(option['label'])}</option>\n"  # the option template's last line
                for option in options
            )
            if group_name:
                parts.append("\n  </optgroup>")
        parts.append("\n</select>")
        return mark_safe("".join(parts))


def _text(value) -> str:
    # As {{ value }} prints it: localised, then escaped unless already safe.
    return render_value_in_context(value, _DEFAULT_CONTEXT)


def _quoted(value) -> str:
    return f'"{_text(value)}"'


def _attributes(attrs: dict) -> str:
    # attrs.html: True is a bare attribute, False none, anything else name="value".
    return "".join(
        f" {_text(name)}" if value is True else f" {_text(name)}={_quoted(str(value))}"
        for name, value in attrs.items()
        if value is not False
    )
