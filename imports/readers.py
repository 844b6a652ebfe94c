"""Reading an uploaded table, row by row, never whole: CSV (stdlib ``csv``) and Excel (openpyxl).

The stdlib reader handles quoting, embedded newlines and delimiters; ``csv.Sniffer``
picks the delimiter; openpyxl's read-only mode streams an ``.xlsx`` sheet. Each is
maintained with Python or by the openpyxl project, and streams, where tablib (under
django-import-export) loads the whole file into memory first.
"""

import csv
import io
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.utils.translation import gettext as _

# Tried in order: UTF-8 (with or without the BOM Excel writes), then what Excel on
# Windows saves "CSV" as. cp1252 decodes almost any byte, so it comes last.
ENCODINGS = ("utf-8-sig", "cp1252")
DELIMITERS = ",;\t|"
SNIFF_BYTES = 64 * 1024
XLSX_MAGIC = b"PK\x03\x04"


class UnreadableFile(ValueError):
    """The file is no table we can read; the message says why, for the person who uploaded it."""


def _detect_encoding(path: Path) -> str:
    # Decoding the whole file once is the only sure test; it streams, in 1 MB pieces.
    for encoding in ENCODINGS:
        decoder_ok = True
        with open(path, encoding=encoding, newline="") as handle:
            try:
                while handle.read(1 << 20):
                    pass
            except UnicodeDecodeError:
                decoder_ok = False
        if decoder_ok:
            return encoding
    raise UnreadableFile(_("The file's text is in no encoding we know (UTF-8 or Windows-1252)."))


def _dialect(sample: str) -> type[csv.Dialect] | csv.Dialect:
    try:
        return csv.Sniffer().sniff(sample, delimiters=DELIMITERS)
    except csv.Error:
        # One column, or too few rows to tell: a comma.
        return csv.excel


def _csv_rows(path: Path) -> Iterator[list[str]]:
    raw = path.read_bytes()[:SNIFF_BYTES] if path.stat().st_size <= SNIFF_BYTES else None
    if raw is None:
        with open(path, "rb") as handle:
            raw = handle.read(SNIFF_BYTES)
    if b"\x00" in raw:
        raise UnreadableFile(_("This is not a CSV or Excel (.xlsx) file."))
    encoding = _detect_encoding(path)
    sample = raw.decode(encoding, errors="ignore")
    # The sniffer judges whole lines: leave out the last, likely cut short.
    if "\n" in sample.rstrip("\n"):
        sample = sample[: sample.rstrip("\n").rfind("\n")]
    dialect = _dialect(sample)
    with open(path, encoding=encoding, newline="") as handle:
        yield from csv.reader(handle, dialect)


def _xlsx_rows(path: Path) -> Iterator[list[str]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as error:  # zipfile.BadZipFile, KeyError, InvalidFileException...
        raise UnreadableFile(
            _("This Excel file cannot be read (%(error)s).") % {"error": error}
        ) from None
    try:
        sheet = workbook.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        while True:
            # The sheet is read as it streams: a damaged part shows only here.
            try:
                row = next(rows)
            except StopIteration:
                return
            except Exception as error:  # zipfile.BadZipFile, zlib.error, XML errors...
                raise UnreadableFile(
                    _("This Excel file cannot be read (%(error)s).") % {"error": error}
                ) from None
            yield [_cell_text(value) for value in row]
    finally:
        workbook.close()


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # Excel stores 12 as 12.0
    return str(value)


def is_xlsx(path: Path) -> bool:
    with open(path, "rb") as handle:
        return handle.read(4) == XLSX_MAGIC


@contextmanager
def open_table(path) -> Iterator[tuple[list[str], Iterator[tuple[int, list[str]]]]]:
    """``(headers, rows)`` of the file at ``path``: rows as ``(row number, cells)``, streamed.

    Row numbers are the file's (the header is row 1), as a spreadsheet shows them;
    blank rows are skipped. Raises :class:`UnreadableFile` for what is no table.
    """
    path = Path(path)
    reader = _xlsx_rows(path) if is_xlsx(path) else _csv_rows(path)
    try:
        headers = []
        for cells in reader:
            if any(cell.strip() for cell in cells):
                headers = [cell.strip() for cell in cells]
                break
        if not headers:
            raise UnreadableFile(
                _("The file is empty: it needs a header row and at least one row.")
            )
        if len(headers) == 1 and not is_xlsx(path) and len(headers[0]) > 200:
            raise UnreadableFile(_("This does not look like a table: no columns were found."))

        def rows():
            number = 1
            for cells in reader:
                number += 1
                if any(cell.strip() for cell in cells):
                    yield number, cells

        yield headers, rows()
    except csv.Error as error:
        raise UnreadableFile(
            _("The CSV file cannot be read: %(error)s.") % {"error": error}
        ) from None
    finally:
        reader.close()


def count_rows(path) -> int:
    """How many non-blank rows below the header the file has (one streaming pass)."""
    with open_table(path) as (_headers, rows):
        return sum(1 for _ in rows)


def csv_bytes(rows: list[list[str]]) -> bytes:
    """A small CSV file's content (templates), UTF-8 with a BOM so Excel reads accents."""
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return ("\ufeff" + buffer.getvalue()).encode()
