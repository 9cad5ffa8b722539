"""A running ``kg serve`` and the commands that use it.

The server writes ``VAULT/.kg/server.json`` (readable by its owner only: it may hold the token) once it
listens, and removes it when it stops. ``kg ask`` and ``kg search`` read it: when the process it names is
alive and serves this vault, the question goes to the server (a warm process: no imports of the model, no
loading of the search files) and comes back as the same ``Result``; otherwise, or on any failure, the
command answers in its own process. ``$KG_SERVER=0`` turns this off.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

CONNECT_TIMEOUT = 0.5  # seconds to reach the server before answering in-process
ANSWER_TIMEOUT = 60.0  # a question to a server still loading a big vault's search files


def register(root: Path, host: str, port: int, token: str | None) -> Path:
    """Write ``server.json`` for this process (owner-only, replaced atomically)."""
    from ..layout import server_file as server_path

    path = server_path(root)
    path.parent.mkdir(exist_ok=True)
    data = {"pid": os.getpid(), "host": host, "port": port, "token": token, "vault": str(Path(root).resolve()),
            "started": time.time()}
    temp = path.with_name(f".server.json.{os.getpid()}")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(data, handle)
    os.replace(temp, path)
    return path


def unregister(root: Path) -> None:
    """Remove ``server.json`` if it is still this process's."""
    from ..layout import server_file as server_path

    found = running(root, check_alive=False)
    if found is not None and found.get("pid") == os.getpid():
        try:
            server_path(root).unlink()
        except FileNotFoundError:
            pass


def running(root: Path, check_alive: bool = True) -> dict | None:
    """The server.json of a live server of ``root`` (None when there is none, or its process is gone)."""
    from ..layout import server_file as server_path

    try:
        with open(server_path(root), encoding="utf-8") as handle:
            data = json.load(handle)
        pid, port = int(data["pid"]), int(data["port"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if data.get("vault") != str(Path(root).resolve()) or not 0 < port < 65536:
        return None
    if check_alive:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return None
        except PermissionError:
            pass  # alive, someone else's
    return data


def _address(data: dict) -> str:
    host = data.get("host") or "127.0.0.1"
    if host in ("0.0.0.0", "", "::"):
        host = "127.0.0.1"
    return host


def get(data: dict, route: str, params: list[tuple[str, str]], timeout: float = ANSWER_TIMEOUT) -> dict:
    """GET ``route`` of the server described by ``data`` (server.json); raises OSError or ValueError."""
    import http.client
    from urllib.parse import urlencode

    conn = http.client.HTTPConnection(_address(data), int(data["port"]), timeout=CONNECT_TIMEOUT)
    try:
        conn.connect()
        conn.sock.settimeout(timeout)
        headers = {"Authorization": f"Bearer {data['token']}"} if data.get("token") else {}
        conn.request("GET", f"{route}?{urlencode(params)}", headers=headers)
        response = conn.getresponse()
        body = response.read()
    finally:
        conn.close()
    if response.status != 200:
        raise ValueError(f"the server answered {response.status}")
    return json.loads(body)


def request(root: Path, route: str, params: list[tuple[str, str]]) -> dict | None:
    """``route`` of the running server of ``root`` (what the CLI prints with ``--json``); None when there is
    no server, it is turned off (``$KG_SERVER=0``), or it did not answer 200 (the caller then works alone)."""
    if os.environ.get("KG_SERVER", "1").lower() in ("0", "off", "no", "false"):
        return None
    data = running(root)
    if data is None:
        return None
    try:
        found = get(data, route, params)
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return found if isinstance(found, dict) else None


def ask(root: Path, question: str, top: int, plain: bool = False) -> dict | None:
    """A question answered by the running server of ``root``, as ``result_to_wire`` gives it (the JSON of
    ``kg ask --json`` under "result"); None when there is none or it did not answer (the caller then
    answers in its own process)."""
    wire = request(root, "/api/search" if plain else "/api/ask", [("q", question), ("top", str(top)), ("full", "1")])
    if wire is None or not isinstance(wire.get("result"), dict) or not isinstance(wire.get("notices"), list):
        return None
    return wire


# --- the wire: the CLI's JSON plus what its text output needs ---------------------------------------

def result_to_wire(result) -> dict:
    """``Result.to_dict()`` with what text output also shows: who wrote each answer, the notices, and the
    whole explanation (its message when no path was found)."""
    return {"result": result.to_dict(), "authors": [a.author for a in result.answers],
            "notices": list(result.notices),
            "explanation": result.explanation.to_dict() if result.explanation is not None else None}


def result_from_wire(wire: dict):
    from ..query.results import Answer, Result

    data = wire["result"]
    answers = tuple(Answer(a["role"], a["text"], a["score"], _citations(a["citations"]), tuple(a["sources"]),
                           author, a.get("inherited_from"))
                    for a, author in zip(data["answers"], wire["authors"]))
    comparison = comparison_from_dict(data["comparison"]) if data.get("comparison") else None
    explanation = explanation_from_dict(wire["explanation"]) if wire.get("explanation") else None
    return Result(data["question"], data["intent"], tuple((e["id"], e["label"]) for e in data["entities"]),
                  answers, tuple(wire["notices"]), comparison, explanation)


def _citations(items: list[dict]) -> tuple:
    from ..model import Citation

    return tuple(Citation(c["path"], c["line"], c["end_line"], c["heading"]) for c in items)


def comparison_from_dict(data: dict):
    """The ``reason.Comparison`` whose ``to_dict()`` is ``data`` (``kg compare --json``)."""
    from ..reason.model import CellItem, Comparison, Row

    rows = tuple(Row(r["aspect"], {m: tuple(CellItem(i["text"], _citations(i["citations"]), i.get("direction"),
                                                     i.get("inherited_from")) for i in items)
                                   for m, items in r["cells"].items()}, dict(r.get("totals", {})))
                 for r in data["rows"])
    return Comparison(tuple(data["methods"]), tuple(data["method_ids"]), rows, tuple(data.get("notices", ())))


def explanation_from_dict(data: dict):
    """The ``reason.Explanation`` whose ``to_dict()`` is ``data`` (``kg why --json``)."""
    from ..reason.model import Explanation, Path as Chain, Step

    paths = tuple(Chain(p["score"], tuple(Step(s["from"], s["relation"], s["to"], s["text"],
                                                _citations(s["citations"]), s["kind"], s["author"])
                                           for s in p["steps"])) for p in data["paths"])
    nearest = data.get("nearest") or {}
    return Explanation(data["from"], data["to"], data["from_id"], data["to_id"], paths,
                       tuple(nearest.get("from", ())), tuple(nearest.get("to", ())), data.get("message"),
                       tuple(data.get("notices", ())))


__all__ = ["ask", "comparison_from_dict", "explanation_from_dict", "get", "register", "request", "result_from_wire",
           "result_to_wire", "running", "unregister"]
