"""Quantities as people read them: "1,347 pcs", "2.5 m", "+0.25 kg".

Quantities are exact decimals with three places in the database; a page, a
message or an export shows them without the zeros a unit does not need.
"""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django import forms
from django.utils import formats
from django.utils.translation import gettext_lazy as _

# As core.models.QUANTITY_PLACES; core.models imports nothing of this module.
QUANTITY_PLACES = 3


QUANTUM = Decimal(1).scaleb(-QUANTITY_PLACES)  # 0.001


def exact_quantity(quantity) -> Decimal:
    """``quantity`` to the three places every quantity has.

    SQLite sums decimals as floating point: a thousand lines of 0.1 m come
    back as 99.9999999999986, which is 100.000.
    """
    return Decimal(quantity).quantize(QUANTUM, ROUND_HALF_UP)


def as_typed(quantity: Decimal) -> str:
    """A quantity as someone typed it, every digit kept: 2.5000 → "2.5", 0.0005 → "0.0005"."""
    return f"{quantity.normalize():f}"


def plain_quantity(quantity, *, signed: bool = False, grouped: bool = True) -> str:
    """``quantity`` without trailing zeros: 2.500 → "2.5", 1347.000 → "1,347".

    Grouped, it uses the active locale's separators (as pages show figures);
    ungrouped, it is plain digits with a point, as a form's input holds them.
    """
    if quantity in (None, ""):
        quantity = 0
    try:
        quantity = exact_quantity(quantity)
    except (InvalidOperation, TypeError, ValueError):
        return str(quantity)
    if not quantity:
        return "+0" if signed else "0"
    # normalize() turns 1000 into 1E+3; "f" writes it out again.
    digits = format(abs(quantity).normalize(), "f")
    if grouped:
        digits = formats.number_format(Decimal(digits), None, use_l10n=True, force_grouping=True)
    sign = "-" if quantity < 0 else ("+" if signed else "")
    return f"{sign}{digits}"


def trimmed_quantity(quantity):
    """``quantity`` as a Decimal without trailing zeros: 2.500 → 2.5, 1000.000 → 1000."""
    if quantity is None:
        return None
    quantity = exact_quantity(quantity)
    if quantity == quantity.to_integral_value():
        return quantity.quantize(Decimal(1))
    return quantity.normalize()


def format_quantity(quantity, unit=None, *, signed: bool = False) -> str:
    """``quantity`` with its unit's symbol: "1,347 pcs". ``unit`` is a Unit, a symbol or None."""
    text = plain_quantity(quantity, signed=signed)
    symbol = getattr(unit, "symbol", unit)
    return f"{text} {symbol}" if symbol else text


class QuantityField(forms.DecimalField):
    """A quantity a person types: a decimal with at most three places, shown without trailing zeros.

    Whether a product's unit allows the places given is the form's to check,
    once it knows the product (see ``products.models.Unit.refusal``).
    """

    default_error_messages = {
        "max_decimal_places": _("Quantities have at most %(max)s decimal places."),
    }

    def __init__(self, *, min_value=None, max_value=None, **kwargs):
        super().__init__(
            min_value=min_value, max_value=max_value, decimal_places=QUANTITY_PLACES, **kwargs
        )

    def prepare_value(self, value):
        if isinstance(value, Decimal):
            return plain_quantity(value, grouped=False)
        return value
