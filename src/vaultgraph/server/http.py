"""The HTTP side of ``kg serve``: the standard library's threading server, GET only, JSON or the page.

Every route calls ``service.serving.LiveVault``; this module parses requests, guards them and writes
answers. Guards, before anything runs: the method (GET/HEAD; a body over ``MAX_BODY`` is refused unread),
the token when the server has one (``Authorization: Bearer T`` or ``?token=T``), the Host header when
bound to the loopback (a web page elsewhere cannot reach the server by DNS rebinding), the number of
requests in flight, and the time a request may take. No CORS headers: another site's page cannot read
an answer.
"""

from __future__ import annotations

import hmac
import ipaddress
import json
import os
import socket
import sys
import threading
import time
import traceback
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as Late
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from ..errors import (BadRequest, IndexBusy, IndexMissing, NoteNotFound, QueryRefused, QueryStopped, UnknownConcept,
                      VaultgraphError)
from ..service.serving import MAX_SPARQL, LiveVault, text_arg, top_arg

MAX_BODY = 64 * 1024  # bytes a request may announce; no route reads a body
MAX_FIELDS = 32  # query parameters
REQUEST_SECONDS = 30.0  # a request still running then is answered 503 (its work finishes in the background)
IN_FLIGHT = 8  # requests answered at once; more get 503
SOCKET_SECONDS = 15.0  # a client that sends nothing for this long is dropped
STATIC = {"/": ("index.html", "text/html"), "/status": ("index.html", "text/html"),
          "/graph": ("index.html", "text/html"), "/static/app.js": ("app.js", "text/javascript"),
          "/static/graph.js": ("graph.js", "text/javascript"),
          "/static/app.css": ("app.css", "text/css")}
PAGE_POLICY = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
               "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})


def local_host(host: str) -> bool:
    """Whether binding ``host`` reaches this machine only."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class HttpError(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


def _status_of(exc: Exception) -> int:
    if isinstance(exc, (NoteNotFound, UnknownConcept)):
        return 404
    if isinstance(exc, QueryStopped):
        return 422
    if isinstance(exc, (IndexMissing, IndexBusy)):
        return 503
    if isinstance(exc, (BadRequest, QueryRefused, VaultgraphError)):
        return 400
    return 500


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 32

    def __init__(self, host: str, port: int, live: LiveVault, token: str | None, log=None):
        if ":" in host:
            self.address_family = socket.AF_INET6
        super().__init__((host, port), Handler)
        self.live, self.token, self.local = live, token, local_host(host)
        self.log = log or (lambda line: None)
        self.slots = threading.BoundedSemaphore(IN_FLIGHT)
        self.pool = ThreadPoolExecutor(max_workers=IN_FLIGHT, thread_name_prefix="kg-request")
        self.assets = _assets()

    def server_close(self) -> None:
        super().server_close()
        self.pool.shutdown(wait=False, cancel_futures=True)


def _assets() -> dict[str, bytes]:
    from importlib.resources import files

    folder = files("vaultgraph.server") / "static"
    return {name: (folder / name).read_bytes() for name, _ in set(STATIC.values())}


class Handler(BaseHTTPRequestHandler):
    server: Server
    server_version = "kg"
    sys_version = ""
    timeout = SOCKET_SECONDS

    # --- the methods -------------------------------------------------------------------------------

    def do_GET(self) -> None:  # noqa: N802 - the standard library's name
        self._handle(head=False)

    def do_HEAD(self) -> None:  # noqa: N802
        self._handle(head=True)

    def _refuse_method(self) -> None:
        try:
            self._guard_body()
            self._send_json(405, {"error": f"{self.command} is not allowed: every route is GET"},
                            {"Allow": "GET, HEAD"})
        except HttpError as exc:
            self._send_json(exc.status, {"error": str(exc)})
        except (BrokenPipeError, ConnectionResetError):
            return
        self.server.log(f"{time.strftime('%H:%M:%S')} {self.command} {urlsplit(self.path).path[:80]} {self._sent}")

    do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = _refuse_method  # noqa: N815

    # --- guards ------------------------------------------------------------------------------------

    def _guard_body(self) -> None:
        length = self.headers.get("Content-Length", "0").strip() or "0"
        if self.headers.get("Transfer-Encoding") or not length.isdigit() or int(length) > MAX_BODY:
            self.close_connection = True
            raise HttpError(413, f"request bodies are limited to {MAX_BODY} bytes, and no route reads one")

    def _guard_host(self) -> None:
        if not self.server.local:
            return
        host = (self.headers.get("Host") or "").strip().lower()
        name = host[1:host.find("]")] if host.startswith("[") else host.rsplit(":", 1)[0] if host.count(":") == 1 \
            else host
        if name not in LOOPBACK_NAMES:
            raise HttpError(403, "this server answers requests addressed to localhost only")

    def _guard_token(self, params: dict[str, list[str]]) -> None:
        expected = self.server.token
        if not expected:
            return
        given = self.headers.get("Authorization", "")
        given = given[7:].strip() if given.lower().startswith("bearer ") else (params.get("token") or [""])[0]
        if not hmac.compare_digest(given.encode(), expected.encode()):
            raise HttpError(401, "a token is required: Authorization: Bearer TOKEN (or ?token=TOKEN)")

    # --- dispatch ------------------------------------------------------------------------------------

    def _handle(self, head: bool) -> None:
        started = time.perf_counter()
        self._head = head
        try:
            self._guard_body()
            self._guard_host()
            url = urlsplit(self.path)
            try:
                params = parse_qs(url.query, keep_blank_values=True, max_num_fields=MAX_FIELDS, errors="strict")
            except (ValueError, UnicodeDecodeError):
                raise HttpError(400, "the query string cannot be read") from None
            self._guard_token(params)
            if url.path in STATIC:
                name, kind = STATIC[url.path]
                self._send(200, self.server.assets[name], f"{kind}; charset=utf-8", {"Content-Security-Policy":
                                                                                      PAGE_POLICY})
            elif url.path.startswith("/api/"):
                self._api(url.path[5:], params)
            else:
                raise HttpError(404, f"no such page or route: {url.path[:100]}")
        except HttpError as exc:
            self._send_json(exc.status, {"error": str(exc)})
        except (BrokenPipeError, ConnectionResetError):
            return
        self.server.log(f"{time.strftime('%H:%M:%S')} {self.command} {urlsplit(self.path).path[:80]} "
                        f"{getattr(self, '_sent', '-')} {1000 * (time.perf_counter() - started):.0f} ms")

    def _api(self, route: str, params: dict[str, list[str]]) -> None:
        work = ROUTES.get(route)
        if work is None:
            raise HttpError(404, f"no such route: /api/{route[:80]}")
        if not self.server.slots.acquire(blocking=False):
            raise HttpError(503, "too many requests at once; try again")
        try:
            future = self.server.pool.submit(work, self.server.live, params)
            try:
                body = future.result(timeout=REQUEST_SECONDS)
            except Late:
                raise HttpError(503, f"the request took longer than {REQUEST_SECONDS:.0f} s") from None
            except Exception as exc:  # noqa: BLE001 - every failure is answered as JSON, never a traceback
                status = _status_of(exc)
                if status == 500:
                    sys.stderr.write(f"kg serve: /api/{route}: {type(exc).__name__}: {exc}\n")
                    if os.environ.get("KG_DEBUG"):
                        traceback.print_exception(exc)
                raise HttpError(status, str(exc) if status != 500 else "internal error (see the server's log)") \
                    from None
        finally:
            self.server.slots.release()
        if isinstance(body, bytes):
            self._send(200, body, "application/sparql-results+json; charset=utf-8")
        else:
            self._send_json(200, body)

    # --- answers -------------------------------------------------------------------------------------

    def _send_json(self, status: int, data, headers: dict | None = None) -> None:
        body = json.dumps(data, ensure_ascii=False).encode("utf-8")
        self._send(status, body, "application/json; charset=utf-8", headers)

    def _send(self, status: int, body: bytes, kind: str, headers: dict | None = None) -> None:
        self._sent = status
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")
        self.send_header("X-Frame-Options", "DENY")
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        if not getattr(self, "_head", False):
            self.wfile.write(body)

    def log_message(self, format, *args) -> None:  # noqa: A002 - the standard library's name
        pass  # one line per request is written by _handle, without the query string (it may hold a token)


# --- the routes: parameters in, the CLI's JSON out --------------------------------------------------

def _one(params: dict[str, list[str]], name: str) -> str | None:
    values = params.get(name)
    return values[-1] if values else None


def _ask(live: LiveVault, params) -> dict:
    from ..service.live import result_to_wire

    result = live.answer(text_arg(_one(params, "q"), "q"), top_arg(_one(params, "top"), 8))
    return result_to_wire(result) if _one(params, "full") == "1" else result.to_dict()


def _search(live: LiveVault, params) -> dict:
    from ..service.live import result_to_wire

    result = live.answer(text_arg(_one(params, "q"), "q"), top_arg(_one(params, "top"), 10), plain=True)
    return result_to_wire(result) if _one(params, "full") == "1" else result.to_dict()


def _context(live: LiveVault, params) -> dict:
    def number(name: str, default: int | None) -> int | None:
        value = _one(params, name)
        if value in (None, ""):
            return default
        if not value.isdigit() or len(value) > 9:
            raise BadRequest(f"{name} must be a line number")
        return int(value)

    return live.context(_one(params, "path"), number("line", 1), number("end", None))


def _paths(params) -> int:
    """How many why-paths: 1 to 20, as ``kg why --paths`` (each costs a path search)."""
    k = top_arg(_one(params, "paths"), 3)
    if k > 20:
        raise BadRequest("paths must be between 1 and 20")
    return k


def _query(value: str | None) -> str:
    """A SPARQL query as written (its line breaks end its comments), at most ``MAX_SPARQL`` characters."""
    text_arg(value, "query", MAX_SPARQL)
    if len(value) > MAX_SPARQL:
        raise BadRequest(f"the parameter 'query' is longer than {MAX_SPARQL} characters")
    return value


ROUTES = {
    "info": lambda live, p: live.info(),
    "ask": _ask,
    "search": _search,
    "why": lambda live, p: live.why(text_arg(_one(p, "a"), "a"), text_arg(_one(p, "b"), "b"), _paths(p)),
    "compare": lambda live, p: live.compare([text_arg(m, "m") for m in p.get("m", [])], _one(p, "limit")),
    "show": lambda live, p: live.show(text_arg(_one(p, "note"), "note")),
    "links": lambda live, p: live.links(),
    "status": lambda live, p: live.status(),
    "sparql": lambda live, p: live.sparql(_query(_one(p, "query"))),
    "context": _context,
}
