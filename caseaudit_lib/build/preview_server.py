"""The local web server of ``caseaudit preview``: loopback only, every request needs its token.

It serves three things, each only with ``?token=<the preview's token>`` (compared in constant
time; anything else is 403, an unknown path 404):

- ``/``: the preview's own page, the report in an ``<iframe>`` under a banner for problems. Its
  small script polls ``/status`` and reloads the frame when the version changes, keeping the
  reader's place. The reload lives here, never in the report, whose page stays script-free
  under its own Content-Security-Policy;
- ``/report``: the last good report page, as built (leak-checked before it got here);
- ``/status``: ``{"version", "building", "problems", "notes", "stage", "seconds"}`` as JSON.

The server binds 127.0.0.1 only, and refuses a ``Host`` header that is not the loopback address
(a web page elsewhere cannot reach it through a DNS name pointing at 127.0.0.1).
"""

from __future__ import annotations

import hmac
import html
import json
import secrets
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from caseaudit_lib.errors import CaseAuditError

HOST = "127.0.0.1"
LOOPBACK_NAMES = ("127.0.0.1", "localhost")
REQUEST_TIMEOUT_S = 10  # a client that stops sending holds a thread no longer than this
POLL_MS = 200
WAITING_PAGE = (
    b"<!doctype html><meta charset='utf-8'><title>Building</title>"
    b"<p style='font-family:sans-serif'>The report appears here once it has been built.</p>"
)

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="referrer" content="no-referrer">
<title>Preview: {audit_id}</title>
<style nonce="{nonce}">
html, body {{ margin: 0; height: 100%; font-family: system-ui, sans-serif; }}
body {{ display: flex; flex-direction: column; }}
#bar {{ padding: .3em .8em; background: #f3f3f3; border-bottom: 1px solid #ccc; font-size: .9em; }}
#banner {{ padding: .5em .8em; background: #fde8e8; border-bottom: 2px solid #b00020;
  color: #5f0010; white-space: pre-wrap; font-family: ui-monospace, monospace; }}
#notes {{ padding: .4em .8em; background: #fff6d5; border-bottom: 1px solid #c9a400; }}
#banner[hidden], #notes[hidden] {{ display: none; }}
iframe {{ flex: 1; border: 0; width: 100%; }}
</style></head>
<body>
<div id="bar">Preview of <strong>{audit_id}</strong>: <span id="state">starting</span></div>
<div id="banner" role="alert" hidden></div>
<div id="notes" role="status" hidden></div>
<iframe id="report" title="The report" sandbox="allow-same-origin allow-popups"></iframe>
<script nonce="{nonce}">
"use strict";
const token = {token_json};
const frame = document.getElementById("report");
let shown = null;
function lines(box, items) {{
  box.textContent = items.join("\\n");
  box.hidden = items.length === 0;
}}
function load(version) {{
  let y = 0;
  try {{ y = frame.contentWindow.scrollY; }} catch (e) {{ y = 0; }}
  frame.onload = () => {{ try {{ frame.contentWindow.scrollTo(0, y); }} catch (e) {{}} }};
  frame.src = "report?token=" + encodeURIComponent(token) + "&v=" + version;
}}
async function poll() {{
  try {{
    const reply = await fetch("status?token=" + encodeURIComponent(token), {{cache: "no-store"}});
    const s = await reply.json();
    lines(document.getElementById("banner"), s.problems);
    lines(document.getElementById("notes"), s.notes);
    document.getElementById("state").textContent = s.building ? "building…" :
      (s.version ? "version " + s.version + " (" + s.stage + ", " + s.seconds + " s)" : "waiting");
    if (s.version !== shown) {{ shown = s.version; load(s.version); }}
  }} catch (e) {{
    document.getElementById("state").textContent = "the preview has stopped";
  }}
  setTimeout(poll, {poll_ms});
}}
poll();
</script>
</body></html>
"""


@dataclass
class PreviewState:
    """What the server shows, changed by the build loop (under its lock)."""

    audit_id: str
    version: int = 0
    page: bytes | None = None
    building: bool = True
    stage: str = ""
    seconds: float = 0.0
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def status(self) -> dict[str, object]:
        """Return the status the page polls."""
        with self.lock:
            return {
                "version": self.version,
                "building": self.building,
                "stage": self.stage,
                "seconds": round(self.seconds, 1),
                "problems": list(self.problems),
                "notes": list(self.notes),
            }


class PreviewServer(ThreadingHTTPServer):
    """A loopback HTTP server for one preview's state, guarded by a random token."""

    daemon_threads = True
    allow_reuse_address = False  # two previews must never share a port

    def __init__(self, state: PreviewState, port: int = 0, token: str | None = None) -> None:
        self.state = state
        self.token = token or secrets.token_urlsafe(24)
        try:
            super().__init__((HOST, port), PreviewHandler)
        except OSError as exc:
            raise CaseAuditError(
                f"preview: cannot listen on {HOST}:{port}: {exc.strerror}"
            ) from exc

    @property
    def port(self) -> int:
        """Return the port the server listens on."""
        return int(self.server_address[1])

    @property
    def url(self) -> str:
        """Return the preview's address, token included."""
        return f"http://{HOST}:{self.port}/?token={self.token}"

    def start(self) -> threading.Thread:
        """Serve in a background thread and return it."""
        thread = threading.Thread(target=self.serve_forever, name="preview-server", daemon=True)
        thread.start()
        return thread

    def stop(self, thread: threading.Thread | None = None) -> None:
        """Stop serving and close the socket (waits at most a few seconds for the thread)."""
        self.shutdown()
        self.server_close()
        if thread is not None:
            thread.join(timeout=5)


class PreviewHandler(BaseHTTPRequestHandler):
    """Answers the preview page, the report and the status; everything else is refused."""

    server: PreviewServer
    timeout = REQUEST_TIMEOUT_S

    def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
        """Serve a request that carries the token, from the loopback address only."""
        url = urlsplit(self.path)
        given = parse_qs(url.query).get("token", [""])[0]
        host = (self.headers.get("Host") or "").rsplit(":", 1)[0]
        if host not in LOOPBACK_NAMES:
            self._send(403, b"forbidden: not a loopback address\n", "text/plain")
        elif not hmac.compare_digest(given.encode(), self.server.token.encode()):
            self._send(403, b"forbidden: this preview needs its token\n", "text/plain")
        elif url.path == "/":
            self._page()
        elif url.path == "/report":
            with self.server.state.lock:
                page = self.server.state.page
            self._send(200, page or WAITING_PAGE, "text/html; charset=utf-8")
        elif url.path == "/status":
            body = json.dumps(self.server.state.status()).encode()
            self._send(200, body, "application/json")
        else:
            self._send(404, b"not found\n", "text/plain")

    def _page(self) -> None:
        nonce = secrets.token_urlsafe(16)
        # The token is a URL-safe string; json.dumps quotes it, "<" is escaped all the same.
        page = PAGE.format(
            audit_id=html.escape(self.server.state.audit_id),
            nonce=nonce,
            token_json=json.dumps(self.server.token).replace("<", "\\u003c"),
            poll_ms=POLL_MS,
        )
        policy = (
            f"default-src 'none'; script-src 'nonce-{nonce}'; style-src 'nonce-{nonce}'; "
            "connect-src 'self'; frame-src 'self'; base-uri 'none'; form-action 'none'; "
            "frame-ancestors 'none'"
        )
        self._send(200, page.encode(), "text/html; charset=utf-8", policy)

    def _send(self, code: int, body: bytes, kind: str, policy: str | None = None) -> None:
        self.send_response(code)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("Referrer-Policy", "no-referrer")
        self.send_header("X-Content-Type-Options", "nosniff")
        if policy:
            self.send_header("Content-Security-Policy", policy)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base's name
        """Log nothing: the console is for the analyst's build messages."""
