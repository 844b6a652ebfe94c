"""How often "Forgot password?" sends a link: per client address and per address asked for.

Each sends at most ``PASSWORD_RESET_LIMIT`` links within ``PASSWORD_RESET_WINDOW``
seconds (settings), counted in the cache. Beyond either limit no mail
is sent, and the page answers exactly as it does for an unknown address, so the limit
never tells whether an address has an account.
"""

import hashlib

from django.conf import settings
from django.core.cache import cache

from accounts.throttling import client_ip_address

KEY_PREFIX = "password-reset"


def _limit() -> int:
    return settings.PASSWORD_RESET_LIMIT


def _window() -> int:
    return settings.PASSWORD_RESET_WINDOW


def _key(kind: str, value: str) -> str:
    # Hashed: the cache never holds the addresses themselves, and any text fits a key.
    digest = hashlib.sha256(value.encode()).hexdigest()
    return f"{KEY_PREFIX}:{kind}:{digest}"


def _count(key: str) -> int:
    """Count one request under ``key``; return how many the window holds now."""
    # add() starts the window (a no-op when it runs already); incr() is atomic in the
    # shared caches (Redis, Memcached, the database).
    cache.add(key, 0, timeout=_window())
    try:
        return cache.incr(key)
    except ValueError:  # expired between the two calls: a new window
        cache.add(key, 1, timeout=_window())
        return 1


def reset_allowed(request, email: str) -> bool:
    """Count a reset request from ``request`` for ``email``; whether a link may be sent."""
    limit = _limit()
    counts = [_count(_key("email", email.strip().lower()))]
    address = client_ip_address(request)
    if address:
        counts.append(_count(_key("address", address)))
    return all(count <= limit for count in counts)
