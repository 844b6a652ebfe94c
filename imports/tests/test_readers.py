"""Reading files: delimiters, encodings, Excel, and files that are no table."""

import io
from pathlib import Path

import pytest
from openpyxl import Workbook

from imports.readers import UnreadableFile, count_rows, open_table

ROWS = [["SKU", "Name", "Price"], ["A-1", "Crème brûlée", "1.50"], ["A-2", "Bolt; long", "2"]]


def write(tmp_path: Path, content: bytes, name="data.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(content)
    return path


def read_all(path) -> tuple[list[str], list[tuple[int, list[str]]]]:
    with open_table(path) as (headers, rows):
        return headers, list(rows)


def as_csv(delimiter: str) -> str:
    lines = []
    for row in ROWS:
        cells = [f'"{cell}"' if delimiter in cell or ";" in cell else cell for cell in row]
        lines.append(delimiter.join(cells))
    return "\r\n".join(lines) + "\r\n"


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_csv_delimiter_is_sniffed(tmp_path, delimiter):
    path = write(tmp_path, as_csv(delimiter).encode())

    headers, rows = read_all(path)

    assert headers == ROWS[0]
    assert [cells for _number, cells in rows] == ROWS[1:]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252"])
def test_csv_encodings_read_the_same_text(tmp_path, encoding):
    path = write(tmp_path, as_csv(",").encode(encoding))

    headers, rows = read_all(path)

    # No BOM left glued to the first header, accents intact.
    assert headers[0] == "SKU"
    assert rows[0][1][1] == "Crème brûlée"


def test_rows_are_numbered_as_the_spreadsheet_shows_them_blank_rows_skipped(tmp_path):
    path = write(tmp_path, b"SKU,Name\nA-1,One\n,\nA-2,Two\n")

    _headers, rows = read_all(path)

    assert [number for number, _cells in rows] == [2, 4]
    assert count_rows(path) == 2


def test_xlsx_is_read_row_by_row_with_whole_numbers_plain(tmp_path):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["SKU", "Name", "Quantity", "Cost"])
    sheet.append(["A-1", "Crème", 12, 0.25])
    sheet.append([None, None, None, None])
    sheet.append(["A-2", "Two", 3.0, None])
    buffer = io.BytesIO()
    workbook.save(buffer)
    path = write(tmp_path, buffer.getvalue(), "data.xlsx")

    headers, rows = read_all(path)

    assert headers == ["SKU", "Name", "Quantity", "Cost"]
    assert [(number, cells) for number, cells in rows] == [
        (2, ["A-1", "Crème", "12", "0.25"]),
        (4, ["A-2", "Two", "3", ""]),
    ]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (b"\n\n", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not a CSV"),
        (b"PK\x03\x04 not really a zip", "Excel file cannot be read"),
    ],
)
def test_what_is_no_table_is_refused_with_a_reason(tmp_path, content, message):
    path = write(tmp_path, content)

    with pytest.raises(UnreadableFile, match=message):
        read_all(path)


def test_an_excel_file_damaged_below_its_header_is_refused_with_a_reason(tmp_path):
    import zipfile

    workbook = Workbook()
    for number in range(200):
        workbook.active.append([f"A-{number}", "Bolt", number])
    buffer = io.BytesIO()
    workbook.save(buffer)
    # The same workbook, its sheet cut off half-way: it opens, then fails as it streams.
    damaged = io.BytesIO()
    with zipfile.ZipFile(buffer) as whole, zipfile.ZipFile(damaged, "w") as cut:
        for item in whole.infolist():
            data = whole.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data[: len(data) // 2]
            cut.writestr(item, data)
    path = write(tmp_path, damaged.getvalue(), "data.xlsx")

    with pytest.raises(UnreadableFile, match="Excel file cannot be read"):
        count_rows(path)
