"""axe-core (the engine the ``axe-playwright-python`` package carries) run over a page in Chromium.

:func:`axe_violations` opens a file offline in the system Chromium, as the browser check does,
and returns axe-core's violations of WCAG 2.0, 2.1 and 2.2 A and AA and of its best practices:
an empty list is what every report and the overview must give.
"""

from __future__ import annotations

from pathlib import Path

from caseaudit_lib.export.browser import CHROMIUM_ARGS, TIMEOUT_MS

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa", "best-practice"]


def axe_violations(html_path: Path, executable: str) -> list[dict]:
    """Return axe-core's violations on a page (id, impact, help and the nodes' selectors)."""
    from axe_playwright_python.sync_playwright import Axe
    from playwright.sync_api import sync_playwright

    url = Path(html_path).resolve().as_uri()

    def route(route, request):  # noqa: ANN001, ANN202
        if request.url.split("#", 1)[0] == url or request.url.startswith("data:"):
            route.continue_()
        else:
            route.abort("blockedbyclient")

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, args=list(CHROMIUM_ARGS))
        try:
            context = browser.new_context()
            context.route("**/*", route)
            page = context.new_page()
            page.goto(url, wait_until="load", timeout=TIMEOUT_MS)
            options = {"runOnly": {"type": "tag", "values": WCAG_TAGS}}
            results = Axe().run(page, options=options)
        finally:
            browser.close()
    return [
        {
            "id": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "nodes": [n["target"] for n in v["nodes"]][:5],
        }
        for v in results.response["violations"]
    ]
