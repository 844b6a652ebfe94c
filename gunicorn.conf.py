"""gunicorn settings for `make serve`; each value can be set from the environment."""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", f"0.0.0.0:{os.environ.get('PORT', '8000')}")
# The usual rule: two workers per core, plus one.
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
# Threaded workers, even with one thread: their main loop keeps telling the
# arbiter it is alive while a request runs, so `timeout` does not cut short a
# long CSV export (a million lines take 40-60 s). A synchronous worker is silent
# while it serves: with a 5 s timeout it was killed 5 s into a 10 s export
# (docs/PERFORMANCE.md, "Serving: gunicorn configuration"). The price: `timeout`
# restarts a worker whose whole process is stuck, but no longer ends a request
# that never finishes; that one keeps its thread.
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "gthread")
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
# A worker accepts a connection only when a thread is free to serve it, and
# closes it after the response, as a sync worker does. Otherwise a threaded
# worker keeps accepting while its thread is busy: requests queue behind a slow
# one while other workers idle, a kept-alive client stays with the worker that
# first took it (16 clients on 5 workers: some were served 2-5 times as often as
# others), and a killed worker fails every request it holds (up to 12 in the
# same test; 1 with this setting). With no connection to spare, gunicorn cannot
# keep one alive anyway: raising GUNICORN_KEEPALIVE needs
# GUNICORN_WORKER_CONNECTIONS above GUNICORN_THREADS too.
worker_connections = int(os.environ.get("GUNICORN_WORKER_CONNECTIONS", threads))
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "0"))
# Recycle workers now and then so a slow leak cannot grow without bound.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "2000"))
max_requests_jitter = 200
accesslog = "-"
errorlog = "-"
access_log_format = (
    '{"time": "%(t)s", "remote": "%(h)s", "method": "%(m)s", "path": "%(U)s", '
    '"query": "%(q)s", "status": %(s)s, "bytes": "%(B)s", "duration_ms": %(M)s, '
    '"request_id": "%({x-request-id}o)s", "user_agent": "%(a)s"}'
)
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
