"""A database outage: a 503 page that says nothing was lost, and one log line per request.

The app runs in a new process pointed at a database server that is not there
(nothing listens on port 1), as after a crash or during a restart.
"""

import json
import os
import subprocess
import sys
import textwrap

from django.conf import settings

REQUEST_WITH_A_SESSION = textwrap.dedent(
    """
    import json
    import django
    django.setup()
    from django.test import Client
    from django.test.utils import setup_test_environment
    setup_test_environment()
    client = Client(raise_request_exception=False)
    client.cookies["sessionid"] = "s" * 32  # the session lives in the database
    response = client.get("/products/")
    print(json.dumps({
        "status": response.status_code,
        "retry_after": response.get("Retry-After"),
        "page": response.content.decode(),
    }))
    """
)


def test_a_request_while_the_database_is_down_gets_the_503_page_and_one_log_line():
    environment = {
        **{name: value for name, value in os.environ.items() if name != "DATABASE_URL"},
        "DJANGO_SETTINGS_MODULE": "inventory_project.test_settings",
        "DATABASE_URL": "postgres://nobody@127.0.0.1:1/gone",
    }

    result = subprocess.run(
        [sys.executable, "-c", REQUEST_WITH_A_SESSION],
        cwd=settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout.strip().splitlines()[-1])
    assert answer["status"] == 503
    assert answer["retry_after"] == "30"
    assert "Temporarily unavailable" in answer["page"]
    assert "Nothing was lost" in answer["page"]
    log_lines = [json.loads(line) for line in result.stderr.splitlines() if line.startswith("{")]
    [outage] = [line for line in log_lines if line["logger"] == "django.request"]
    assert outage["status_code"] == 503
    assert outage["error"].startswith("OperationalError: ")
    assert "exception" not in outage
    assert "Traceback" not in result.stderr
