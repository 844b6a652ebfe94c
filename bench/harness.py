"""What the operations scripts (scale_test, fault_run, serving) share.

Running a command with its output in a log, collecting static files only when
they are stale, checking a port, and logging a `requests` session in through
the real login form.
"""

import re
import socket
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def run_checked(command: list[str], env: dict, log_path: Path) -> str:
    """Run ``command`` in the checkout; its standard output, or exit naming the log."""
    with open(log_path, "w") as output:
        result = subprocess.run(
            command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=output, text=True
        )
        output.write(result.stdout)
    if result.returncode:
        raise SystemExit(f"{' '.join(command)} failed (exit {result.returncode}); see {log_path}")
    return result.stdout


def collect_static(env: dict, scratch: Path, log: Callable[[str], None]) -> None:
    """collectstatic, as production needs, unless the manifest is newer than every source.

    It post-processes and compresses every file (tens of seconds), and the
    settings read no STATIC_ROOT from the environment, so the checkout's copy is
    shared by the scripts and only rebuilt when stale.
    """
    manifest = ROOT / "staticfiles" / "staticfiles.json"
    sources = [p for p in (ROOT / "static").rglob("*") if p.is_file()]
    sources.append(ROOT / ".venv" / ".installed")  # the packages' own static files
    newest = max((p.stat().st_mtime for p in sources if p.exists()), default=0)
    if manifest.exists() and manifest.stat().st_mtime > newest:
        log("static files: already collected")
        return
    log("collectstatic (compressing every file takes a while)")
    run_checked(
        [PYTHON, "manage.py", "collectstatic", "--noinput"], env, scratch / "collectstatic.log"
    )


def port_is_free(port: int) -> bool:
    """Whether nothing listens on ``port`` (connections of a previous run may linger)."""
    with socket.socket() as probe:
        # As gunicorn and HAProxy bind: TIME_WAIT connections do not count.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def log_in(session, base_url: str, username: str, password: str, who: str) -> str:
    """Log ``session`` in through the login form; the CSRF token for its later forms."""
    form = session.get(f"{base_url}/accounts/login/", timeout=30)
    token = CSRF_INPUT.search(form.text).group(1)
    response = session.post(
        f"{base_url}/accounts/login/",
        data={"username": username, "password": password, "csrfmiddlewaretoken": token},
        allow_redirects=False,
        timeout=30,
    )
    if response.status_code != 302:
        raise SystemExit(f"{who}: login refused ({response.status_code})")
    # Logging in rotates the CSRF secret: the token of a form of the new session.
    form = session.get(f"{base_url}/sales/new/", timeout=30)
    return CSRF_INPUT.search(form.text).group(1)
