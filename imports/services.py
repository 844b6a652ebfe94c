"""Importing a shop's data: map a file's columns, check every row, then apply the valid ones.

Each row is checked with the form the pages use (``ProductForm``, ``SupplierForm``,
``CustomerForm``); opening stock enters through the stock engine (``move_stock``) as
an "opening balance" movement at the row's unit cost, so the ledger and the moving
average cost are right from day one.

The file is read twice, streaming (:func:`import_validate`, then :func:`import_apply`),
never held in memory; rows are handled in chunks of :data:`CHUNK_ROWS`.
"""

import csv
import io
import logging
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from django import forms
from django.db import transaction
from django.db.models.functions import Lower
from django.forms.models import model_to_dict
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from accounts.access import NOT_YOUR_STORE, store_ids
from core.models import MAX_LINE_QUANTITY, MAX_UNIT_PRICE
from core.text import mid_sentence
from imports.models import ImportKind, ImportMapping, ImportRun
from imports.readers import UnreadableFile, open_table
from people.forms import CustomerForm, SupplierForm
from people.models import Customer, Supplier
from products.forms import ProductForm
from products.models import Category, Product, StockLevel, StockMovement, TaxRate, Unit
from products.services import StockChange, move_stock
from stores.models import Store

logger = logging.getLogger(__name__)

CHUNK_ROWS = 500
# Stored errors per run: beyond this the counts stay right, but the page and the error
# file hold only the rows of these (the page says so): fix them and check again.
MAX_ERRORS_KEPT = 20_000
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Column:
    """A field an import fills, and the headers that name it in shops' files.

    ``label`` is in English: it is the template's header and one of the names a file's
    header is matched against (the files' contract, whatever the page's language); the
    mapping page shows it translated (:attr:`shown_label`), as it does ``help``.
    """

    name: str
    label: str
    required: bool = False
    synonyms: tuple[str, ...] = ()
    example: str = ""
    help: str = ""

    @property
    def shown_label(self) -> str:
        """The label in the page's language."""
        return gettext(self.label)

    @property
    def shown_help(self) -> str:
        """The help in the page's language ("" stays "": gettext("") is the catalog's header)."""
        return gettext(self.help) if self.help else ""


# Labels and help are marked with gettext_noop: kept in English here, translated where shown.
PRODUCT_COLUMNS = (
    Column("sku", gettext_noop("SKU"), True, ("sku", "code", "product code", "item code",
                                             "article"), "BOLT-M6"),
    Column("name", gettext_noop("Name"), True, ("name", "product name", "product", "item",
                                               "description name", "title", "item name"),
           "Hex bolt M6"),
    Column("category", gettext_noop("Category"), True, ("category", "category name", "group",
                                                       "family"), "Fasteners"),
    Column("supplier", gettext_noop("Supplier"), True, ("supplier", "supplier name", "vendor",
                                                       "manufacturer"), "Acme Tools"),
    Column("unit", gettext_noop("Unit"), False, ("unit", "uom", "unit of measure", "units"), "pcs",
           gettext_noop("A unit's symbol (pcs, kg, m…); blank: pieces.")),
    Column("cost_price", gettext_noop("Cost price"), False, ("cost", "cost price", "unit cost",
                                                            "purchase price", "buy price",
                                                            "cost_price"), "0.12"),
    Column("sale_price", gettext_noop("Sale price"), False, ("price", "sale price",
                                                            "selling price", "retail price",
                                                            "sell price", "sale_price"), "0.30"),
    Column("tax_rate", gettext_noop("Tax rate"), False, ("tax", "tax rate", "vat", "vat rate",
                                                        "tax_rate"),
           "", gettext_noop("A tax rate's name or percentage; blank: the category's.")),
    Column("reorder_level", gettext_noop("Reorder level"), False, ("reorder level",
                                                                  "reorder point", "min stock",
                                                                  "minimum", "reorder_level"),
           "100"),
    Column("pack_size", gettext_noop("Pack size"), False, ("pack size", "pack_size",
                                                          "units per pack"), ""),
    Column("pack_name", gettext_noop("Pack name"), False, ("pack name", "pack_name", "pack"), ""),
    Column("description", gettext_noop("Description"), False, ("description", "notes",
                                                              "details"), "Zinc plated"),
)  # fmt: skip
PARTY_COLUMNS = (
    Column("name", gettext_noop("Name"), True, ("name", "company", "company name", "supplier",
                                               "customer", "supplier name", "customer name",
                                               "full name"), "Acme Tools"),
    Column("email", gettext_noop("Email"), False, ("email", "e-mail", "email address", "mail"),
           "orders@acme.example"),
    Column("phone", gettext_noop("Phone"), False, ("phone", "telephone", "tel", "phone number",
                                                  "mobile"), "+1 555 0100"),
    Column("address", gettext_noop("Address"), False, ("address", "street", "postal address"),
           "1 Main St"),
    Column("notes", gettext_noop("Notes"), False, ("notes", "note", "comment", "comments"), ""),
)  # fmt: skip
SUPPLIER_COLUMNS = (
    *PARTY_COLUMNS[:1],
    Column("contact_person", gettext_noop("Contact person"), False, ("contact", "contact person",
                                                                    "contact name"), "Jo Smith"),
    *PARTY_COLUMNS[1:],
)  # fmt: skip
OPENING_STOCK_COLUMNS = (
    Column("sku", gettext_noop("SKU"), True, ("sku", "code", "product code", "item code",
                                             "product"), "BOLT-M6"),
    Column("store", gettext_noop("Store"), True, ("store", "store name", "location", "shop",
                                                 "warehouse", "store code"), "Main street"),
    Column("quantity", gettext_noop("Quantity"), True, ("quantity", "qty", "on hand", "stock",
                                                       "count", "opening stock",
                                                       "quantity on hand"), "250"),
    Column("unit_cost", gettext_noop("Unit cost"), False, ("unit cost", "cost", "cost price",
                                                          "unit_cost", "average cost"), "0.12",
           gettext_noop("Blank: the product's cost price.")),
)  # fmt: skip
COLUMNS = {
    ImportKind.PRODUCTS: PRODUCT_COLUMNS,
    ImportKind.SUPPLIERS: SUPPLIER_COLUMNS,
    ImportKind.CUSTOMERS: PARTY_COLUMNS,
    ImportKind.OPENING_STOCK: OPENING_STOCK_COLUMNS,
}


def _simplified(header: str) -> str:
    return re.sub(r"[^a-z0-9%]+", " ", header.casefold()).strip()


def guess_mapping(kind: str, headers: list[str]) -> dict[str, str]:
    """Target field -> header: the one remembered from last time if the file has it, else
    the header that is the field's name, label or a common synonym ("Product name")."""
    remembered = (
        ImportMapping.objects.filter(kind=kind).values_list("mapping", flat=True).first() or {}
    )
    by_simple = {_simplified(header): header for header in reversed(headers) if header}
    mapping, taken = {}, set()
    for column in COLUMNS[kind]:
        chosen = remembered.get(column.name, "")
        if chosen not in headers or chosen in taken:
            names = (column.name, column.label, *column.synonyms)
            chosen = next(
                (
                    by_simple[simple]
                    for simple in map(_simplified, names)
                    if simple in by_simple and by_simple[simple] not in taken
                ),
                "",
            )
        mapping[column.name] = chosen
        if chosen:
            taken.add(chosen)
    return mapping


def mapping_remember(*, kind: str, mapping: dict[str, str]) -> None:
    ImportMapping.objects.update_or_create(kind=kind, defaults={"mapping": mapping})


def template_rows(kind: str) -> list[list[str]]:
    """The header row and one example row of a kind's downloadable template."""
    columns = COLUMNS[kind]
    return [[column.label for column in columns], [column.example for column in columns]]


# Rows ------------------------------------------------------------------------------------


CREATE, UPDATE, UNCHANGED, ERROR = "create", "update", "unchanged", "error"


@dataclass
class RowResult:
    action: str
    # (field name, message) pairs; the field "" is the row as a whole.
    errors: list[tuple[str, str]] = field(default_factory=list)
    # What applying the row needs (a bound form, a stock change).
    apply: Callable[[], None] | None = None


class RowError(Exception):
    def __init__(self, field_name: str, message: str):
        self.field_name, self.message = field_name, message


def _form_errors(form: forms.BaseForm, skip: set[str] = frozenset()) -> list[tuple[str, str]]:
    return [
        (name if name != "__all__" else "", str(message))
        for name, messages in form.errors.items()
        if name not in skip
        for message in messages
    ]


class RowImporter:
    """Checks and applies one kind's rows; ``dry_run`` writes nothing at all."""

    def __init__(self, run: ImportRun, *, dry_run: bool):
        self.run, self.dry_run = run, dry_run
        self.seen_keys: set = set()

    def prepare(self, rows: list[dict[str, str]]) -> None:
        """Read what a chunk of rows refers to, in a few queries."""

    def check(self, values: dict[str, str]) -> RowResult:
        raise NotImplementedError

    def flush(self) -> None:
        """Write what the chunk's rows gathered (opening stock, one engine call per store)."""

    def duplicate(self, key, label: str) -> None:
        if key in self.seen_keys:
            raise RowError(label, gettext("appears on an earlier row of this file"))
        self.seen_keys.add(key)


class ProductImporter(RowImporter):
    def __init__(self, run, *, dry_run):
        super().__init__(run, dry_run=dry_run)
        self.categories = {c.name.casefold(): c for c in Category.objects.all()}
        self.suppliers: dict[str, list[Supplier]] = {}
        for supplier in Supplier.objects.order_by("pk"):
            self.suppliers.setdefault(supplier.name.casefold(), []).append(supplier)
        self.units = {}
        for unit in Unit.objects.filter(is_active=True):
            self.units[unit.symbol.casefold()] = unit
            self.units.setdefault(unit.name.casefold(), unit)
            self.units.setdefault(unit.plural.casefold(), unit)
        self.tax_rates = {}
        for rate in TaxRate.objects.filter(is_active=True):
            self.tax_rates[rate.name.casefold()] = rate
            self.tax_rates.setdefault(_number_text(rate.percent), rate)
        self.known = {
            "category": {str(c.pk): c for c in self.categories.values() if c.is_active},
            "supplier": {
                str(s.pk): s for found in self.suppliers.values() for s in found if s.is_active
            },
            "unit": {unit.symbol: unit for unit in self.units.values()},
            "tax_rate": {str(rate.pk): rate for rate in self.tax_rates.values()},
        }
        self.existing: dict[str, Product] = {}
        # Names the dry run would create (with "create missing"): valid for the rows after.
        self.would_create: dict[str, set[str]] = {"category": set(), "supplier": set()}

    def prepare(self, rows):
        skus = {values.get("sku", "").strip().upper() for values in rows} - {""}
        self.existing = {
            product.sku: product
            for product in Product.objects.select_related("unit").filter(sku__in=skus)
        }

    def _resolve(self, kind: str, name: str, found: dict) -> tuple[int | None, str | None]:
        """(The id of the category or supplier called ``name``, or None; an error, or None)."""
        name = name.strip()
        if not name:
            return None, None
        records = found.get(name.casefold())
        if isinstance(records, list):
            if len(records) > 1:
                return None, (
                    gettext(
                        "several suppliers are called “%(name)s”; rename one, then import again"
                    )
                    % {"name": name}
                )
            records = records[0] if records else None
        if records is not None:
            return records.pk, None
        model = Category if kind == "category" else Supplier
        longest = model._meta.get_field("name").max_length
        if len(name) > longest:
            if kind == "category":
                too_long = gettext("“%(name)s…” is longer than a category name may be (%(limit)s)")
            else:
                too_long = gettext("“%(name)s…” is longer than a supplier name may be (%(limit)s)")
            return None, too_long % {"name": name[:40], "limit": longest}
        if not self.run.create_missing:
            if kind == "category":
                missing = gettext(
                    "no category is called “%(name)s” (tick “create missing categories and "
                    "suppliers” to create it)"
                )
            else:
                missing = gettext(
                    "no supplier is called “%(name)s” (tick “create missing categories and "
                    "suppliers” to create it)"
                )
            return None, missing % {"name": name}
        if self.dry_run:
            self.would_create[kind].add(name.casefold())
            return None, None
        if kind == "category":
            record = Category.objects.create(name=name)
            found[name.casefold()] = record
        else:
            record = Supplier.objects.create(name=name)
            found[name.casefold()] = [record]
        self.known[kind][str(record.pk)] = record
        return record.pk, None

    def check(self, values):
        sku = values.get("sku", "").strip().upper()
        if sku:
            self.duplicate(sku, "sku")
        product = self.existing.get(sku)
        if product is not None and not self.run.update_existing:
            raise RowError(
                "sku",
                gettext(
                    "a product with SKU %(sku)s exists already (tick “update existing records” "
                    "to change it)"
                )
                % {"sku": sku},
            )
        data = {}
        if product is not None:
            data = model_to_dict(product, fields=ProductForm._meta.fields)
            data["unit"] = product.unit.symbol
            data = {name: "" if value is None else value for name, value in data.items()}
        else:
            data = {"unit": "pcs", "reorder_level": "0", "cost_price": "0", "sale_price": "0"}
        errors = []
        pending = set()  # fields whose record the dry run would create
        for name, text in values.items():
            text = text.strip()
            if name in ("category", "supplier"):
                found = self.categories if name == "category" else self.suppliers
                if not text:
                    data[name] = ""
                    continue
                pk, error = self._resolve(name, text, found)
                if error:
                    errors.append((name, error))
                    data[name] = ""
                elif pk is None:
                    pending.add(name)
                    data[name] = ""
                else:
                    data[name] = pk
            elif name == "unit":
                if not text:
                    continue
                unit = self.units.get(text.casefold())
                data["unit"] = unit.symbol if unit else text
            elif name == "tax_rate":
                rate = self.tax_rates.get(text.casefold()) or self.tax_rates.get(
                    _number_text(text.rstrip("% "))
                )
                if text and rate is None:
                    errors.append(
                        (name, gettext("no tax rate is called “%(name)s”") % {"name": text})
                    )
                data["tax_rate"] = rate.pk if rate else ""
            elif name in ("cost_price", "sale_price", "reorder_level") and not text:
                continue  # blank keeps the current (or the default) value
            else:
                data[name] = text
        before = model_to_dict(product, fields=ProductForm._meta.fields) if product else None
        form = ImportProductForm(data=data, instance=product, known=self.known)
        form.is_valid()
        # A field left blank only because its record would be created: not this row's fault.
        errors += _form_errors(form, skip=pending)
        if errors:
            return RowResult(ERROR, errors)
        # Compared as saved (the form put its cleaned values on the instance): "bolt-1" is
        # the SKU BOLT-1, "2" the price 2.00.
        if before == model_to_dict(form.instance, fields=ProductForm._meta.fields):
            return RowResult(UNCHANGED)
        return RowResult(UPDATE if product else CREATE, apply=form.save)


class ImportProductForm(ProductForm):
    """The product form, for rows by the thousand: the same fields, validators and clean().

    Two things differ, both for speed (each was a query per row): the category,
    supplier, unit and tax rate are looked up among those read once per import
    (``known``: field -> key text -> record; unknown keys fall back to the query), and
    the model's check constraints are not run as queries, since every one restates a
    field's validator (prices, reorder level and pack size at least 0, the SKU in upper
    case) or guards a column no form writes, and the database enforces them all on save.
    """

    def __init__(self, *args, known: dict[str, dict], **kwargs):
        super().__init__(*args, **kwargs)
        self.known = known
        for name, records in known.items():
            self.fields[name].to_python = _known_choice(self.fields[name], records)

    def _get_validation_exclusions(self):
        # The model's check that each foreign key exists (a query each): the form's
        # field found the record, among those read or by its own query.
        return super()._get_validation_exclusions() | set(self.known)

    def validate_constraints(self):
        pass


def _known_choice(field: forms.ModelChoiceField, records: dict):
    def to_python(value):
        if value in field.empty_values:
            return None
        record = records.get(str(value))
        return record if record is not None else forms.ModelChoiceField.to_python(field, value)

    return to_python


def _number_text(value) -> str:
    # ArithmeticError: InvalidOperation ("abc") and Overflow ("1e999999999") alike.
    try:
        return str(Decimal(str(value)).normalize())
    except ArithmeticError:
        return str(value)


class PartyImporter(RowImporter):
    model: type = Supplier
    form_class: type = SupplierForm

    def several_called(self, name: str) -> str:
        return gettext("several suppliers are called “%(name)s”; rename one first") % {"name": name}

    def exists_already(self, name: str) -> str:
        return gettext(
            "a supplier called “%(name)s” exists already (tick “update existing records” to "
            "change it)"
        ) % {"name": name}

    def __init__(self, run, *, dry_run):
        super().__init__(run, dry_run=dry_run)
        self.existing: dict[str, list] = {}

    def prepare(self, rows):
        names = {values.get("name", "").strip().casefold() for values in rows} - {""}
        self.existing = {}
        # Matched by name, case aside: the name is what a shop's own list knows them by.
        matches = (
            self.model.objects.annotate(name_folded=Lower("name"))
            .filter(name_folded__in=names)
            .order_by("pk")
        )
        for party in matches:
            self.existing.setdefault(party.name.casefold(), []).append(party)

    def check(self, values):
        name = values.get("name", "").strip()
        if name:
            self.duplicate(name.casefold(), "name")
        matches = self.existing.get(name.casefold(), [])
        if len(matches) > 1:
            raise RowError("name", self.several_called(name))
        party = matches[0] if matches else None
        if party is not None and not self.run.update_existing:
            raise RowError("name", self.exists_already(name))
        data = model_to_dict(party, fields=self.form_class._meta.fields) if party else {}
        data.update({key: text.strip() for key, text in values.items()})
        if party is not None:
            data["name"] = party.name  # matched case aside: "ann lee" is no rename of Ann Lee
        before = model_to_dict(party, fields=self.form_class._meta.fields) if party else None
        form = self.form_class(data=data, instance=party)
        if not form.is_valid():
            return RowResult(ERROR, _form_errors(form))
        if before == model_to_dict(form.instance, fields=self.form_class._meta.fields):
            return RowResult(UNCHANGED)
        return RowResult(UPDATE if party else CREATE, apply=form.save)


class CustomerImporter(PartyImporter):
    model = Customer
    form_class = CustomerForm

    def several_called(self, name: str) -> str:
        return gettext("several customers are called “%(name)s”; rename one first") % {"name": name}

    def exists_already(self, name: str) -> str:
        return gettext(
            "a customer called “%(name)s” exists already (tick “update existing records” to "
            "change it)"
        ) % {"name": name}


class OpeningStockRowForm(forms.Form):
    """One row of opening stock: how many units a store holds, and at what cost each."""

    # The bounds of a document line: more is a typo (and would overflow the totals).
    quantity = forms.DecimalField(
        max_digits=12, decimal_places=3, min_value=Decimal("0.001"), max_value=MAX_LINE_QUANTITY
    )
    unit_cost = forms.DecimalField(
        max_digits=14,
        decimal_places=4,
        min_value=Decimal("0"),
        max_value=MAX_UNIT_PRICE,
        required=False,
    )


class OpeningStockImporter(RowImporter):
    def __init__(self, run, *, dry_run):
        super().__init__(run, dry_run=dry_run)
        self.stores = {}
        for store in Store.objects.all():
            self.stores[store.name.casefold()] = store
            self.stores.setdefault(store.code.casefold(), store)
        # The stores the importing user works in (None: all), as the pages allow.
        self.allowed_stores = store_ids(run.created_by)
        self.products: dict[str, Product] = {}
        self.held: set[tuple[int, int]] = set()
        self.opened: dict[tuple[int, int], int] = {}
        self.changes: dict[int, list[StockChange]] = {}

    def prepare(self, rows):
        skus = {values.get("sku", "").strip().upper() for values in rows} - {""}
        self.products = {
            product.sku: product
            for product in Product.objects.select_related("unit").filter(sku__in=skus)
        }
        self.held = set(
            StockLevel.objects.filter(product__sku__in=skus)
            .exclude(quantity=0)
            .values_list("product_id", "store_id")
        )
        # An opening balance is entered once: a second one (the same file again, or a
        # run re-started after a failure) would count the stock twice.
        self.opened = {
            (product_id, store_id): run_id
            for product_id, store_id, run_id in StockMovement.objects.filter(
                kind=StockMovement.Kind.OPENING, product__sku__in=skus
            ).values_list("product_id", "store_id", "document_id")
        }

    def check(self, values):
        sku = values.get("sku", "").strip().upper()
        store_text = values.get("store", "").strip()
        errors = []
        product = self.products.get(sku)
        if not sku:
            errors.append(("sku", gettext("This field is required.")))
        elif product is None:
            errors.append(
                (
                    "sku",
                    gettext("no product has SKU %(sku)s; import the products first") % {"sku": sku},
                )
            )
        store = self.stores.get(store_text.casefold())
        if not store_text:
            errors.append(("store", gettext("This field is required.")))
        elif store is None:
            errors.append(
                (
                    "store",
                    gettext("no store is called (or has the code) “%(store)s”")
                    % {"store": store_text},
                )
            )
        elif not store.is_active:
            errors.append(("store", gettext("%(store)s is archived") % {"store": store.name}))
        elif self.allowed_stores is not None and store.pk not in self.allowed_stores:
            errors.append(("store", NOT_YOUR_STORE))
        form = OpeningStockRowForm(
            data={name: values.get(name, "").strip() for name in ("quantity", "unit_cost")}
        )
        form.is_valid()
        errors += _form_errors(form)
        quantity = form.cleaned_data.get("quantity")
        if product and quantity is not None and (refusal := product.unit.refusal(quantity)):
            errors.append(
                (
                    "quantity",
                    gettext("%(product)s is %(refusal)s")
                    % {"product": product.name, "refusal": refusal},
                )
            )
        if errors:
            return RowResult(ERROR, errors)
        # One int per row seen, not a tuple: a 500,000-row file keeps ~20 MB of keys, not 60.
        self.duplicate(product.pk << 32 | store.pk, "store")
        if (opened_by := self.opened.get((product.pk, store.pk))) is not None:
            raise RowError(
                "store",
                gettext(
                    "%(sku)s has an opening balance at %(store)s already (import "
                    "#%(import)s); correct it with a stocktake"
                )
                % {"sku": product.sku, "store": store.name, "import": opened_by},
            )
        unit_cost = form.cleaned_data.get("unit_cost")
        if unit_cost is None:
            unit_cost = product.cost_price
        # Stock already there: the opening balance adds to it at its cost, as a receipt.
        action = UPDATE if (product.pk, store.pk) in self.held else CREATE

        def gather():
            self.changes.setdefault(store.pk, []).append(
                StockChange(product.pk, quantity, unit_cost)
            )

        return RowResult(action, apply=gather)

    def flush(self):
        stores = Store.objects.in_bulk(list(self.changes))
        for store_id, changes in sorted(self.changes.items()):
            move_stock(
                store=stores[store_id],
                changes=changes,
                kind=StockMovement.Kind.OPENING,
                user=self.run.created_by,
                document_id=self.run.pk,
                note=f"Opening balance, import #{self.run.pk}",
            )
        self.changes = {}


IMPORTERS = {
    ImportKind.PRODUCTS: ProductImporter,
    ImportKind.SUPPLIERS: PartyImporter,
    ImportKind.CUSTOMERS: CustomerImporter,
    ImportKind.OPENING_STOCK: OpeningStockImporter,
}


# The passes -------------------------------------------------------------------------------


class _AllOrNothingRefused(Exception):
    """Raised inside the run's one transaction to undo it: a row had an error."""


def _mapped_chunks(run: ImportRun) -> Iterator[tuple[list[str], list[tuple[int, dict]]]]:
    """(headers, chunk of (row number, field -> text)) for the run's file."""
    with open_table(run.file.path) as (headers, rows):
        index = {header: position for position, header in enumerate(headers)}
        positions = {name: index[header] for name, header in run.mapping.items() if header in index}
        chunk = []
        for number, cells in rows:
            values = {
                name: (cells[position] if position < len(cells) else "")
                for name, position in positions.items()
            }
            chunk.append((number, values))
            if len(chunk) == CHUNK_ROWS:
                yield headers, chunk
                chunk = []
        if chunk:
            yield headers, chunk


def mapping_problems(kind: str, mapping: dict[str, str], headers: list[str]) -> list[str]:
    """What is wrong with a mapping: required fields with no column, a column used twice."""
    problems = [
        gettext("Choose the column that holds the %(column)s.")
        % {"column": mid_sentence(column.shown_label)}
        for column in COLUMNS[kind]
        if column.required and not mapping.get(column.name)
    ]
    problems += [
        gettext("The column “%(header)s” is not in the file.") % {"header": header}
        for header in mapping.values()
        if header and header not in headers
    ]
    used = [header for header in mapping.values() if header]
    problems += [
        gettext("The column “%(header)s” is chosen for more than one field.") % {"header": header}
        for header in sorted(set(used))
        if used.count(header) > 1
    ]
    return problems


def _process(run: ImportRun, *, dry_run: bool, progress: Progress | None) -> None:
    """One pass over the file: count (and, unless ``dry_run``, apply) every row."""
    labels = {column.name: run.mapping.get(column.name) or column.label for column in
              COLUMNS[run.kind]}  # fmt: skip
    importer = IMPORTERS[run.kind](run, dry_run=dry_run)
    counts = {CREATE: 0, UPDATE: 0, UNCHANGED: 0, ERROR: 0}
    errors: list[list] = []
    done = 0
    for _headers, chunk in _mapped_chunks(run):
        importer.prepare([values for _number, values in chunk])
        appliers = []
        for number, values in chunk:
            try:
                result = importer.check(values)
            except RowError as error:
                result = RowResult(ERROR, [(error.field_name, error.message)])
            counts[result.action] += 1
            if result.action == ERROR:
                for name, message in result.errors:
                    if len(errors) < MAX_ERRORS_KEPT:
                        errors.append([number, labels.get(name, ""), values.get(name, ""),
                                       message])  # fmt: skip
            elif result.apply is not None and not dry_run:
                appliers.append(result.apply)
        if appliers and not (run.all_or_nothing and counts[ERROR]):
            # Each chunk in one transaction (the run's, with all or nothing).
            with transaction.atomic():
                for apply in appliers:
                    apply()
                importer.flush()
        done += len(chunk)
        if progress:
            progress(done, run.rows_total)
    run.to_create, run.to_update = counts[CREATE], counts[UPDATE]
    run.unchanged, run.error_count = counts[UNCHANGED], counts[ERROR]
    run.errors = errors


def _save_progress(run: ImportRun, extra: Progress | None) -> Progress:
    def progress(done, total):
        ImportRun.objects.filter(pk=run.pk).update(rows_done=done, rows_total=total)
        if extra:
            extra(done, total)

    return progress


def import_validate(*, run: ImportRun, progress: Progress | None = None) -> ImportRun:
    """The dry run: check every row, count what would be created, updated, left; write nothing."""
    from imports.readers import count_rows

    run.status = ImportRun.Status.VALIDATING
    try:
        run.rows_total = count_rows(run.file.path)
        run.rows_done = 0
        run.save(update_fields=["status", "rows_total", "rows_done"])
        _process(run, dry_run=True, progress=_save_progress(run, progress))
    except UnreadableFile as error:
        run.status, run.failure = ImportRun.Status.FAILED, str(error)
    except Exception as error:
        # Nothing was written; the record says what went wrong instead of staying
        # "checking" for ever.
        logger.exception("Checking import %s failed", run.pk)
        run.status = ImportRun.Status.FAILED
        run.failure = gettext("The check stopped (%(error)s): upload the file again.") % {
            "error": type(error).__name__
        }
    else:
        run.status = ImportRun.Status.VALIDATED
    run.rows_done = run.rows_total
    run.save()
    return run


def _stopped(run: ImportRun, reason: str) -> str:
    """What a run that stopped midway left, and what to do: its ``failure`` text."""
    if run.status == ImportRun.Status.VALIDATING:
        return (
            gettext("The check stopped (%(reason)s); nothing was imported. Check the file again.")
            % {"reason": reason}
        )[:2000]
    # Each chunk is its own transaction (one for all or nothing): the failing one
    # left nothing, the ones before it stay imported; the record says how far it got.
    done = ImportRun.objects.filter(pk=run.pk).values_list("rows_done", flat=True).get()
    if run.all_or_nothing:
        stopped = gettext("The import stopped (%(reason)s); nothing was imported.")
    elif run.kind == ImportKind.OPENING_STOCK:
        # Rows with an opening balance are refused the second time: no double count.
        stopped = gettext(
            "The import stopped (%(reason)s); the first %(done)s rows' valid ones were "
            "imported; import the file again to finish (the rows imported already are "
            "refused, not counted twice)."
        )
    else:
        stopped = gettext(
            "The import stopped (%(reason)s); the first %(done)s rows' valid ones were "
            "imported; import the file again with “update existing records” to finish."
        )
    return (stopped % {"reason": reason, "done": f"{done:,}"})[:2000]


def import_abandoned(*, job_id: int, reason: str) -> None:
    """The import run by job ``job_id``, if still checking or importing, failed: its worker
    stopped (see ``jobs.services.jobs_fail_abandoned``)."""
    running = (ImportRun.Status.VALIDATING, ImportRun.Status.RUNNING)
    for run in ImportRun.objects.filter(job_id=job_id, status__in=running):
        ImportRun.objects.filter(pk=run.pk, status=run.status).update(
            status=ImportRun.Status.FAILED,
            failure=_stopped(run, reason),
            finished_at=timezone.now(),
        )


def import_apply(*, run: ImportRun, progress: Progress | None = None) -> ImportRun:
    """Import every valid row; with all or nothing, none when any row has an error."""
    if run.all_or_nothing and run.error_count:
        run.status = ImportRun.Status.REFUSED
        run.finished_at = timezone.now()
        run.save(update_fields=["status", "finished_at"])
        return run
    run.status, run.rows_done = ImportRun.Status.RUNNING, 0
    run.save(update_fields=["status", "rows_done"])
    try:
        if run.all_or_nothing:
            # One transaction: rows found wrong now (the data changed since the dry run)
            # undo every row before them.
            with transaction.atomic():
                _process(run, dry_run=False, progress=_save_progress(run, progress))
                if run.error_count:
                    raise _AllOrNothingRefused
        else:
            _process(run, dry_run=False, progress=_save_progress(run, progress))
    except _AllOrNothingRefused:
        run.status = ImportRun.Status.REFUSED
    except UnreadableFile as error:
        run.status, run.failure = ImportRun.Status.FAILED, str(error)
    except Exception as error:
        ImportRun.objects.filter(pk=run.pk).update(
            status=ImportRun.Status.FAILED,
            failure=_stopped(run, f"{type(error).__name__}: {error}"),
            finished_at=timezone.now(),
        )
        raise
    else:
        run.status, run.applied = ImportRun.Status.DONE, True
    run.rows_done = run.rows_total
    run.finished_at = timezone.now()
    run.save()
    return run


def error_file(run: ImportRun) -> bytes:
    """The failing rows as they were in the file, with an "error" column: to fix and re-upload."""
    by_row: dict[int, list[str]] = {}
    for number, column, _value, message in run.errors:
        by_row.setdefault(number, []).append(f"{column}: {message}" if column else message)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    with open_table(run.file.path) as (headers, rows):
        writer.writerow([*headers, "error"])
        for number, cells in rows:
            if number in by_row:
                cells = cells + [""] * (len(headers) - len(cells))
                writer.writerow([*cells[: len(headers)], "; ".join(by_row[number])])
    return ("\ufeff" + buffer.getvalue()).encode()
