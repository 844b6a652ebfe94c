"""Names and codes people type: normalised, and free of characters no one can see.

A store named with zero-width spaces, a product whose name hides a
right-to-left override (``"\\u202eevil\\u202c gpj.exe"`` reads as
"exe.jpg live"), or a customer name with a line break in it all look like
something else on a page, a receipt or a CSV file. Every name and code field
of the models is a :class:`NameField` or :class:`CodeField`, so every form
(the app's and the admin's) normalises and checks them the same way.
"""

import re
import unicodedata

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

# Control (Cc), format (Cf: zero-width and bidi controls), surrogate (Cs),
# private use (Co) and unassigned (Cn) characters, and line/paragraph separators.
INVISIBLE_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}
# Format characters that written names need: the zero-width non-joiner and
# joiner shape Persian and Indic words, and join emoji (👩‍💻). Allowed inside a
# name that has something visible.
JOINERS = {"\u200c", "\u200d"}
# The characters a code (a store code, a SKU) may hold: what prints, scans and
# sorts the same everywhere.
CODE_ALPHABET = _("letters A–Z, digits 0–9, and - _ . /")
CODE_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/-]*")
# Runs of spaces (U+0020, no-break and the other space separators), not the
# whitespace that is a control or separator character: that is refused instead.
_SPACES = re.compile(r"[^\S\r\n\t\f\v\x1c-\x1f\x85\u2028\u2029]+")


def normalise_text(value: str) -> str:
    """NFC, trimmed, each run of spaces made one space (other characters left to be checked)."""
    return _SPACES.sub(" ", unicodedata.normalize("NFC", value)).strip()


def validate_visible_text(value: str) -> None:
    """Refuse control, format (zero-width, bidi override), private-use and separator characters."""
    invisible = sorted(
        {
            char
            for char in value
            if unicodedata.category(char) in INVISIBLE_CATEGORIES and char not in JOINERS
        }
    )
    if not invisible and value and all(char in JOINERS or char.isspace() for char in value):
        invisible = sorted(set(value) & JOINERS)  # joiners alone: nothing to see
    if invisible:
        shown = ", ".join(f"U+{ord(char):04X}" for char in invisible)
        raise ValidationError(
            _(
                "Use only characters that can be seen: this text holds invisible or control "
                "characters (%(characters)s)."
            ),
            code="invisible_characters",
            params={"characters": shown},
        )


def validate_code(value: str) -> None:
    """Refuse a code outside :data:`CODE_ALPHABET`."""
    if not CODE_PATTERN.fullmatch(value):
        raise ValidationError(
            _("Use only %(alphabet)s, starting with a letter or digit."),
            code="code_alphabet",
            params={"alphabet": CODE_ALPHABET},
        )


class NameFormField(forms.CharField):
    default_validators = [validate_visible_text]

    def to_python(self, value):
        value = super().to_python(value)
        return normalise_text(value) if value else value


class CodeFormField(NameFormField):
    default_validators = [validate_visible_text, validate_code]


class NameField(models.CharField):
    """A CharField for names people read: normalised and visible (see the module docstring).

    Migrations see a plain CharField: the rule is the forms', the column is the same.
    """

    default_validators = [validate_visible_text]
    form_class = NameFormField

    def formfield(self, **kwargs):
        return super().formfield(**{"form_class": self.form_class, **kwargs})

    def deconstruct(self):
        name, _path, args, kwargs = super().deconstruct()
        return name, "django.db.models.CharField", args, kwargs


class CodeField(NameField):
    """A NameField restricted to :data:`CODE_ALPHABET` (store codes, SKUs)."""

    default_validators = [validate_visible_text, validate_code]
    form_class = CodeFormField


def typed_number(term: str) -> int | None:
    """The document number in a search ("#12" or "12"), or None.

    A long run of digits is no number: it would overflow the key column.
    """
    number = term.lstrip("#")
    if number.isascii() and number.isdecimal() and len(number) < 19:
        return int(number)
    return None


# Languages that write a noun with its capital letter wherever it stands in a sentence.
CAPITALISED_NOUNS = {"de"}


def mid_sentence(label) -> str:
    """A label (a status, a kind, a period) as a word inside a sentence.

    "Draft" reads "is draft" in English and "está borrador" in Spanish, but a German
    "Entwurf" keeps its capital letter.
    """
    text = str(label)
    if (get_language() or "").split("-")[0] in CAPITALISED_NOUNS:
        return text
    return text.lower()
