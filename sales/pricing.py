"""What each line of a sale is charged: price, discounts, tax, and who may change them.

A line's amount is its quantity × unit price rounded to cents; its own
discount comes off that, then its share of the sale's discount; what is left
is split into net and tax at the product's rate (taken out of it when prices
include tax, added to it otherwise). Every amount is rounded per line, so the
sale's totals are sums of what its lines show.

Prices come from the product's sale price. A different price, or a discount,
needs the ``sales.override_price`` permission (Managers); without it a
discount of at most ``settings.CLERK_MAX_DISCOUNT_PERCENT`` % of the line is
allowed (0 by default). Selling below cost is refused without it, and reported
with it (see :func:`below_cost`).
"""

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.utils import formats
from django.utils.translation import gettext

from core.money import HUNDRED, ZERO, format_money, percent_of, round_money, share_out, split_tax
from core.quantities import format_quantity

OVERRIDE_PERMISSION = "sales.override_price"


@dataclass(frozen=True)
class Discount:
    """A discount as the user gave it: a percentage, or an amount in the prices' terms."""

    percent: Decimal | None = None
    amount: Decimal | None = None

    @classmethod
    def parse(cls, text: str) -> "Discount | None":
        """ "10%" or "10 %" → 10 percent; "2.50" → an amount; blank → None.

        Raises ValueError with a message for anything else (negative, over
        100 %, not a number, more than two decimal places).
        """
        text = (text or "").strip().replace(",", "")
        if not text:
            return None
        is_percent = text.endswith("%")
        number = text.rstrip("%").strip()
        try:
            value = Decimal(number)
        except InvalidOperation:
            value = Decimal("NaN")
        if not value.is_finite():
            raise ValueError(
                gettext(
                    '"%(text)s" is not a discount: write an amount such as 2.50 or a percentage '
                    "such as 10%%."
                )
                % {"text": text}
            )
        if value < 0:
            raise ValueError(gettext("A discount cannot be negative."))
        if value.as_tuple().exponent < -2:
            raise ValueError(gettext("A discount has at most two decimal places."))
        if is_percent:
            if value > 100:
                raise ValueError(gettext("A discount cannot be more than 100%."))
            return cls(percent=value) if value else None
        return cls(amount=value) if value else None

    def of(self, amount: Decimal) -> Decimal:
        """How much comes off ``amount``."""
        if self.percent is not None:
            return percent_of(amount, self.percent)
        return self.amount

    def __str__(self):
        return f"{self.percent.normalize():f}%" if self.percent is not None else f"{self.amount}"


@dataclass(frozen=True)
class LineToPrice:
    quantity: Decimal
    unit_price: Decimal
    tax_percent: Decimal
    discount: Discount | None = None


@dataclass(frozen=True)
class PricedLine:
    amount: Decimal  # quantity × unit price, rounded
    discount: Decimal  # the line's own
    document_discount: Decimal  # its share of the sale's
    net: Decimal
    tax: Decimal

    @property
    def gross(self) -> Decimal:
        return self.net + self.tax

    @property
    def discounted_percent(self) -> Decimal:
        """Both discounts together, as a percentage of the line's amount."""
        if not self.amount:
            return ZERO
        return (self.discount + self.document_discount) * HUNDRED / self.amount


class PricingError(ValueError):
    """A discount larger than what it applies to; the message says which."""


def price_lines(
    lines: list[LineToPrice], *, discount: Discount | None, includes_tax: bool
) -> list[PricedLine]:
    """Each line's amounts (see the module's docstring), in the order given."""
    # Decimal() as callers may pass whole numbers as int.
    amounts = [round_money(Decimal(line.quantity) * Decimal(line.unit_price)) for line in lines]
    own = []
    for number, (line, amount) in enumerate(zip(lines, amounts, strict=True), start=1):
        off = line.discount.of(amount) if line.discount else ZERO
        if off > amount:
            raise PricingError(
                gettext(
                    "Line %(number)s: the discount (%(discount)s) is more than the line's "
                    "amount (%(amount)s)."
                )
                % {"number": number, "discount": format_money(off), "amount": format_money(amount)}
            )
        own.append(off)
    after = [amount - off for amount, off in zip(amounts, own, strict=True)]
    subtotal = sum(after, ZERO)
    document_off = discount.of(subtotal) if discount else ZERO
    if document_off > subtotal:
        raise PricingError(
            gettext("The sale's discount (%(discount)s) is more than its lines' total (%(total)s).")
            % {"discount": format_money(document_off), "total": format_money(subtotal)}
        )
    shares = share_out(document_off, after)
    priced = []
    for line, amount, off, remaining, share in zip(lines, amounts, own, after, shares, strict=True):
        taxed = split_tax(remaining - share, line.tax_percent, includes_tax=includes_tax)
        priced.append(
            PricedLine(
                amount=amount, discount=off, document_discount=share, net=taxed.net, tax=taxed.tax
            )
        )
    return priced


def is_overridden(unit_price: Decimal, list_price: Decimal, priced: PricedLine) -> bool:
    """Whether the line departs from the list price: another price or any discount."""
    return unit_price != list_price or bool(priced.discount or priced.document_discount)


def override_refusals(user, lines, priced: list[PricedLine]) -> list[str]:
    """Why ``user`` may not sell ``lines`` (each with ``product`` and ``unit_price``) at
    these prices: one message per line (empty: they may)."""
    if user.has_perm(OVERRIDE_PERMISSION):
        return []
    limit = Decimal(settings.CLERK_MAX_DISCOUNT_PERCENT)
    refusals = []
    for line, amounts in zip(lines, priced, strict=True):
        name = line.product.name
        if line.unit_price != line.product.sale_price:
            refusals.append(
                gettext("%(product)s: the price is %(price)s; changing it needs a manager")
                % {"product": name, "price": format_money(line.product.sale_price)}
            )
        elif amounts.discounted_percent > limit:
            params = {
                "product": name,
                "percent": formats.number_format(
                    amounts.discounted_percent.quantize(Decimal("0.1")), 1, use_l10n=True
                ),
                "limit": formats.number_format(limit.normalize(), use_l10n=True),
            }
            if limit:
                message = gettext(
                    "%(product)s: a discount of %(percent)s%% needs a manager "
                    "(you may give at most %(limit)s%%)"
                )
            else:
                message = gettext(
                    "%(product)s: a discount of %(percent)s%% needs a manager "
                    "(you may give no discount)"
                )
            refusals.append(message % params)
    return refusals


def below_cost(lines, *, with_cost: bool = True) -> list[str]:
    """The lines (each with ``product``, ``quantity``, ``net_amount``, ``unit_cost``) sold
    for less than they cost, net of tax, one message each; without their cost unless
    ``with_cost`` (costs are need-to-know: products.costs)."""
    if with_cost:
        message = gettext("%(product)s: %(quantity)s for %(net)s net, below their cost of %(cost)s")
    else:
        message = gettext("%(product)s: %(quantity)s for %(net)s net, below their cost")
    return [
        message
        % {
            "product": line.product.name,
            "quantity": format_quantity(line.quantity, line.product.unit),
            "net": format_money(line.net_amount),
            "cost": format_money(line.quantity * line.unit_cost),
        }
        for line in lines
        if line.net_amount < round_money(line.quantity * line.unit_cost)
    ]
