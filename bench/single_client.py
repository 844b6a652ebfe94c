"""Single-client timings of pages, in-process: ``python -m bench.single_client [PATH ...]``.

Run against a seeded database (``DATABASE_URL``, e.g. the benchmark's
``.bench/bench_large.sqlite3``) that has the benchmark's ``bench`` login
(``python -m bench`` creates it). For each page: one warm-up request, then
the median of five, with the number of queries and the time spent in SQL.
Used for the single-client figures in docs/PERFORMANCE.md.
"""

import os
import statistics
import sys
import time

import django

DEFAULT_PAGES = [
    "/accounts/password/done/",
    "/replenishment/",
    "/replenishment/?page=2000",
    "/dashboard/",
    "/dashboard/?period=all",
]


def main(pages: list[str]) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "inventory_project.settings")
    os.environ.setdefault("DEBUG", "true")  # connection.queries
    os.environ.setdefault("ALLOWED_HOSTS", "testserver")  # the test client's host
    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    client.force_login(get_user_model().objects.get(username="bench"))
    for url in pages:
        client.get(url)
        times = []
        for _ in range(5):
            start = time.perf_counter()
            with CaptureQueriesContext(connection) as queries:
                response = client.get(url)
            times.append((time.perf_counter() - start) * 1000)
            if response.status_code != 200:
                sys.exit(f"{url}: status {response.status_code}")
        sql = sum(float(query["time"]) for query in queries.captured_queries) * 1000
        print(
            f"{url:40} {response.status_code} median {statistics.median(times):7.1f} ms, "
            f"{len(queries.captured_queries)} queries ({sql:.0f} ms of SQL)"
        )


if __name__ == "__main__":
    main(sys.argv[1:] or DEFAULT_PAGES)
