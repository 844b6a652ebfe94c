"""Money arithmetic of documents: per-line rounding, tax, and sharing a discount out.

Amounts are rounded half-up to the currency's places (cents) once per line, and
a document's totals are the sums of its rounded lines, as on a till receipt: a
total then always equals what its lines show. Nothing here touches the
database.
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.conf import settings
from django.utils import formats

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
HUNDRED = Decimal("100")


def round_money(amount: Decimal) -> Decimal:
    """``amount`` rounded half-up to cents: 0.125 → 0.13, -0.125 → -0.13."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def format_money(amount, places: int = 2, *, symbol: bool = True) -> str:
    """``amount`` as pages, documents and messages show it: "$1,234.50", "-$18.00".

    Rounded half a cent up to ``places``; the active locale's separators;
    the minus sign before the currency symbol. Totals are exact to five places
    (2.5 m at 1.99 is 4.975): they are rounded here, for the reader, never
    before they are added up.
    """
    if amount in (None, ""):
        amount = 0
    try:
        amount = Decimal(amount).quantize(Decimal(1).scaleb(-int(places)), ROUND_HALF_UP)
    except (InvalidOperation, TypeError, ValueError):
        return str(amount)
    sign = "-" if amount < 0 else ""
    digits = formats.number_format(abs(amount), int(places), use_l10n=True, force_grouping=True)
    return f"{sign}{settings.CURRENCY_SYMBOL if symbol else ''}{digits}"


@dataclass(frozen=True)
class TaxedAmount:
    """A line's amount split into net and tax (rounded), and their sum."""

    net: Decimal
    tax: Decimal

    @property
    def gross(self) -> Decimal:
        return self.net + self.tax


def split_tax(amount: Decimal, percent: Decimal, *, includes_tax: bool) -> TaxedAmount:
    """Net and tax of a line's ``amount`` (already rounded) at ``percent`` tax.

    With ``includes_tax`` the amount is what the customer pays and the tax is
    taken out of it (net rounded, tax the rest, so net + tax is the amount);
    otherwise the amount is net and the tax is added on top.
    """
    if includes_tax:
        net = round_money(amount * HUNDRED / (HUNDRED + percent))
        return TaxedAmount(net=net, tax=amount - net)
    return TaxedAmount(net=amount, tax=round_money(amount * percent / HUNDRED))


def share_out(total: Decimal, weights: list[Decimal]) -> list[Decimal]:
    """``total`` (cents) shared in proportion to ``weights``, each share in cents.

    The shares add up to ``total`` exactly: each is rounded down to the cent
    and the cents left over go to the largest remainders (ties: the first
    line), so a document discount of $10.00 over three equal lines is
    3.34 + 3.33 + 3.33.
    """
    whole = sum(weights, Decimal("0"))
    if not weights:
        return []
    if not whole:
        return [ZERO for _ in weights]
    cents = int((total / CENT).to_integral_value(rounding=ROUND_HALF_UP))
    exact = [Decimal(cents) * weight / whole for weight in weights]
    shares = [int(share) for share in exact]  # toward zero: shares are never negative
    left = cents - sum(shares)
    by_remainder = sorted(range(len(weights)), key=lambda i: (-(exact[i] - shares[i]), i))
    for i in by_remainder[:left]:
        shares[i] += 1
    return [Decimal(share) * CENT for share in shares]


def percent_of(amount: Decimal, percent: Decimal) -> Decimal:
    """``percent`` % of ``amount``, rounded to cents."""
    return round_money(amount * percent / HUNDRED)


@dataclass(frozen=True)
class TaxBand:
    """A document's lines at one tax rate: their net and tax together."""

    percent: Decimal
    net: Decimal
    tax: Decimal


def tax_bands(amounts) -> list[TaxBand]:
    """(percent, net, tax) of each line summed per rate, lowest rate first: the "Tax
    20 %: 4.00 on 20.00" rows under a document's lines."""
    bands: dict[Decimal, list[Decimal]] = {}
    for percent, net, tax in amounts:
        band = bands.setdefault(percent, [ZERO, ZERO])
        band[0] += net
        band[1] += tax
    return [TaxBand(percent, net, tax) for percent, (net, tax) in sorted(bands.items())]
