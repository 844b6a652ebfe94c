"""What the PDF tests share: the text an fpdf2 PDF draws, to look for words in it."""

import re
import zlib


def pdf_text(pdf: bytes) -> bytes:
    """The page content of a PDF, its compressed streams inflated (fpdf2 uses zlib).

    Text is in the built-in font's Windows-1252: look for ``"…".encode("cp1252")``.
    """
    # Each stream is inflated from its start until zlib says it is complete, not cut
    # at "endstream" by a pattern: compressed bytes may end in a "\r" that such a
    # pattern would take for part of the line break.
    starts = (match.end() for match in re.finditer(rb"/FlateDecode.*?stream\r?\n", pdf, re.DOTALL))
    return b"".join(zlib.decompressobj().decompress(pdf[start:]) for start in starts)
