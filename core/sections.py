"""Sections a higher app adds to a lower app's page, without the lower app importing it.

The transfers app shows what is in transit on the product and store pages,
which belong to apps below it: it registers a section from its
``AppConfig.ready()``, and the page's view asks for the sections of its page.
"""

from collections import defaultdict
from collections.abc import Callable

# page name ("products:detail") -> functions (record, request) -> a section or None
_sections: dict[str, list[Callable]] = defaultdict(list)


def register_section(page: str, section: Callable) -> None:
    """Add ``section(record, request)`` to ``page``: it returns ``{"template": …, …}`` or None."""
    if section not in _sections[page]:
        _sections[page].append(section)


def sections_for(page: str, record, request) -> list[dict]:
    """The sections registered for ``page``, as the template includes them (None ones left out)."""
    return [section for function in _sections[page] if (section := function(record, request))]
