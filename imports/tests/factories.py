"""Import records made from a file's text, as the upload page makes them."""

import csv
import io

from django.core.files.base import ContentFile

from imports.models import ImportRun
from imports.readers import open_table
from imports.services import guess_mapping


def csv_text(rows: list[list], delimiter: str = ",") -> str:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\n").writerows(rows)
    return buffer.getvalue()


def make_import(
    *, user, kind: str, content: bytes | str, file_name: str = "data.csv", **options
) -> ImportRun:
    """An uploaded import with its columns guessed from the headers (as the mapping page does)."""
    if isinstance(content, str):
        content = content.encode()
    run = ImportRun(kind=kind, file_name=file_name, created_by=user, **options)
    run.file.save(file_name, ContentFile(content), save=False)
    with open_table(run.file.path) as (headers, _rows):
        run.mapping = guess_mapping(kind, headers)
    run.save()
    return run
