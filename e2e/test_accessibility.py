"""Every page through axe-core, at desktop and phone size: no serious or critical violation.

axe-core (WCAG 2 A and AA rules among others; the copy bundled by axe-playwright-python)
runs in Chromium on every HTML page a manager can open, with the URL sweep's table of
routes and its records (``inventory_project/tests/test_url_sweep.py``), and on every public
page as a visitor sees it. A new route is checked as soon as the sweep's table has it.
Django's admin is left out: its pages are Django's own.
"""

import pytest
from axe_playwright_python.sync_playwright import Axe

from inventory_project.tests.test_url_sweep import ROUTES, build_world, route_url

pytestmark = pytest.mark.django_db(transaction=True)

FAILING_IMPACTS = {"serious", "critical"}
SIZES = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}


def routes_open_to(levels: set[str]) -> list[str]:
    return [
        name for name, (get, _) in ROUTES.items() if get in levels and not name.startswith("admin:")
    ]


SIGNED_IN_ROUTES = routes_open_to({"signed-in", "clerk", "manager"})
PUBLIC_ROUTES = routes_open_to({"public"})


@pytest.fixture(params=list(SIZES))
def viewport(request):
    return SIZES[request.param]


def violations_on(page, urls: list[str]) -> tuple[list[str], int]:
    """Each serious or critical violation as "url: rule (impact) at element", and the number
    of HTML pages checked (downloads, JSON and images are not pages)."""
    axe = Axe()
    found, checked = [], 0
    for url in urls:
        # The page's own request context shares the browser's cookies: the same user.
        answer = page.request.get(url)
        assert answer.ok, f"{url} answered {answer.status}"
        if not answer.headers.get("content-type", "").startswith("text/html"):
            continue
        page.goto(url)
        checked += 1
        for violation in axe.run(page).response["violations"]:
            if violation["impact"] in FAILING_IMPACTS:
                found += [
                    f"{url}: {violation['id']} ({violation['impact']}) at {node['target']}: "
                    f"{violation['help']}"
                    for node in violation["nodes"]
                ]
    return found, checked


@pytest.mark.timeout(900)  # about 100 pages, each loaded and checked
def test_every_page_a_manager_opens_passes_axe(manager_page, viewport):
    world = build_world()
    urls = [route_url(name, world) for name in SIGNED_IN_ROUTES]

    found, checked = violations_on(manager_page, urls)

    assert checked >= 60, f"only {checked} HTML pages were checked"
    assert not found, "\n".join(found)


def test_every_public_page_passes_axe(page, live_server, viewport):
    world = build_world()
    urls = [route_url(name, world) for name in PUBLIC_ROUTES]

    found, checked = violations_on(page, urls)

    assert checked >= 5, f"only {checked} HTML pages were checked"
    assert not found, "\n".join(found)
