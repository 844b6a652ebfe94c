"""What the PDF tests share: the text an fpdf2 PDF draws, to look for words in it."""

import re
import zlib


def pdf_text(pdf: bytes) -> bytes:
    """The page content of a PDF, its compressed streams inflated (fpdf2 uses zlib).

    Text is in the built-in font's Windows-1252: look for ``"…".encode("cp1252")``.
    """
    streams = re.findall(rb"/FlateDecode.*?stream\r?\n(.*?)\r?\nendstream", pdf, re.DOTALL)
    return b"".join(zlib.decompress(stream) for stream in streams)
