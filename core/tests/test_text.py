"""Names and codes: normalised, visible, and codes in their alphabet (core.text)."""

import pytest
from django.core.exceptions import ValidationError

from core.text import CodeFormField, NameFormField


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("  Main   Street  ", "Main Street"),
        ("Caf\u0065\u0301", "Caf\u00e9"),  # e + combining acute: one é (NFC)
        ("No\u00a0break\u2003space", "No break space"),
        ("Ünïcødé 店 🚀", "Ünïcødé 店 🚀"),
        ("<b>Bold</b> & co", "<b>Bold</b> & co"),  # visible: escaped where shown
        (
            "\u0645\u06cc\u200c\u0634\u0648\u062f",
            "\u0645\u06cc\u200c\u0634\u0648\u062f",
        ),  # Persian, ZWNJ
        ("Dev \U0001f469\u200d\U0001f4bb", "Dev \U0001f469\u200d\U0001f4bb"),  # joined emoji
    ],
)
def test_name_is_normalised_and_kept(typed, kept):
    assert NameFormField().clean(typed) == kept


@pytest.mark.parametrize(
    "typed",
    [
        "\u200b\u200b\u200b",  # zero-width spaces only
        "\u200d\u200c",  # joiners only: nothing to see
        "Bolt\u200b",  # a zero-width space inside
        "\u202eevil\u202c gpj.exe",  # right-to-left override
        "\u2066isolate\u2069",  # bidi isolate
        "two\r\nlines",
        "tab\there",
        "null\x00byte",
        "line\u2028separator",
        "private\ue000use",
    ],
)
def test_name_with_invisible_or_control_characters_is_refused(typed):
    with pytest.raises(ValidationError) as caught:
        NameFormField().clean(typed)

    assert caught.value.error_list[0].code in {
        "invisible_characters",
        "null_characters_not_allowed",
    }


def test_name_error_names_the_characters():
    with pytest.raises(ValidationError) as caught:
        NameFormField().clean("\u202eevil\u202c")

    assert "U+202C, U+202E" in caught.value.messages[0]


@pytest.mark.parametrize("typed", ["MAIN", "sku-001", "A/B.2_x", "0"])
def test_code_in_the_alphabet_is_kept(typed):
    assert CodeFormField().clean(typed) == typed


@pytest.mark.parametrize("typed", ["-5", "MAIN ST", "Ünï", "<script>", "a;b", ".hidden", "\u200bX"])
def test_code_outside_the_alphabet_is_refused(typed):
    with pytest.raises(ValidationError):
        CodeFormField().clean(typed)
