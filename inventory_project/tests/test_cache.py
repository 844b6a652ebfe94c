"""The optional Redis cache (CACHE_URL), against a real Redis server when one is reachable."""

import os
import socket
import uuid

import pytest
from django.core.cache.backends.redis import RedisCache

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def redis_reachable() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5):
            return True
    except OSError:
        return False


@pytest.fixture
def redis_cache():
    if not redis_reachable():
        if os.environ.get("CI") == "true":
            pytest.fail("CI runs next to a Redis server at 127.0.0.1:6379, and none answered.")
        pytest.skip("No Redis server at 127.0.0.1:6379 on this machine.")
    return RedisCache(REDIS_URL, {"KEY_PREFIX": f"test-{uuid.uuid4().hex}"})


def test_redis_cache_stores_reads_and_deletes(redis_cache):
    redis_cache.set("stock-report", {"units": 42}, timeout=30)

    assert redis_cache.get("stock-report") == {"units": 42}
    redis_cache.delete("stock-report")
    assert redis_cache.get("stock-report") is None


def test_redis_cache_is_shared_by_two_clients(redis_cache):
    other_server = RedisCache(REDIS_URL, {"KEY_PREFIX": redis_cache.key_prefix})

    redis_cache.set("shared", "value", timeout=30)

    assert other_server.get("shared") == "value"
    redis_cache.delete("shared")
