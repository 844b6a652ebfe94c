"""Request ids and one-JSON-object-per-line logging, so logs can be searched and joined.

Every request gets an id (the incoming ``X-Request-ID`` header when a proxy set
one, else a new one); it is echoed in the response and added, with the path
and user, to every log record written while the request runs.
"""

import contextvars
import json
import logging
import re
import uuid

from core.exceptions import OUTAGE_ERRORS, error_line

_request_context: contextvars.ContextVar[dict | None] = contextvars.ContextVar(
    "request_context", default=None
)
_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class RequestIdMiddleware:
    header = "X-Request-ID"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get(self.header, "")
        request.request_id = incoming if _VALID_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        token = _request_context.set({"request_id": request.request_id, "path": request.path})
        try:
            response = self.get_response(request)
        finally:
            _request_context.reset(token)
        response[self.header] = request.request_id
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        # The user is known only after the authentication middleware ran.
        context = _request_context.get()
        if context is not None and getattr(request, "user", None) is not None:
            context["user"] = request.user.get_username() or None
        return None


class RequestContextFilter(logging.Filter):
    """Copy the current request's id, path and user onto each record."""

    def filter(self, record):
        context = _request_context.get() or {}
        for key in ("request_id", "path", "user"):
            if not hasattr(record, key):
                setattr(record, key, context.get(key))
        return True


class ClientErrorFilter(logging.Filter):
    """A 4xx answer, or a database outage, is logged as one line without a traceback.

    Django logs a refused permission (403) or a missing page with the exception
    attached; a sweep of forbidden URLs then filled the log with tracebacks of
    code that worked as meant. During a database outage every request failed
    the same way: one line each, naming the error, says it. Other server
    errors keep their traceback.
    """

    def filter(self, record):
        status_code = getattr(record, "status_code", None)
        if not record.exc_info or status_code is None:
            return True
        if status_code == 503 and isinstance(record.exc_info[1], OUTAGE_ERRORS):
            # core.views.server_error judged it an outage (a bug stays a 500).
            record.error = error_line(record.exc_info[1])
        elif status_code >= 500:
            return True
        record.exc_info = None
        record.exc_text = None
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request context, exception."""

    def format(self, record):
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key in ("request_id", "path", "user", "status_code", "error"):
            value = getattr(record, key, None)
            if value is not None:
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)
