"""YAML frontmatter: loaded safely, normalised, never fatal.

Malformed YAML gives a warning with the file line of the error and a best-effort reading of the
top-level ``key: value`` lines, so a broken header loses as little as possible. Alias expansion is
bounded (a "billion laughs" header is refused, not expanded).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

import yaml

MAX_ALIASES = 200
MAX_VALUES = 100_000  # after alias expansion
MAX_EXTRA_CHARS = 1_000_000  # characters of strings beyond the header's own length, after alias expansion
MAX_DEPTH = 100  # levels of nested lists and mappings (a real header has a few; libyaml itself allows 1,000)
_ALIAS = re.compile(r"(?:^|[\s\[,{:-])\*[^\s,\]}]")  # alias uses; anchors expand only through them
# libyaml's safe loader is ~6x faster; the pure-Python bounded loader is only needed (and then refuses)
# when a header uses more aliases than any real note does. Expansion itself is bounded in normalise().
_FAST = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
TOP_KEY = re.compile(r"^([^\s#:][^:]*):(?:\s+(.*))?$")


class _AliasBomb(yaml.composer.ComposerError):
    pass


class _BoundedLoader(yaml.SafeLoader):
    """SafeLoader that refuses documents using more than MAX_ALIASES aliases."""

    def compose_node(self, parent: Any, index: Any) -> Any:  # type: ignore[override]
        if self.check_event(yaml.AliasEvent):
            self._aliases = getattr(self, "_aliases", 0) + 1
            if self._aliases > MAX_ALIASES:
                event = self.peek_event()
                raise _AliasBomb(
                    None, None, f"more than {MAX_ALIASES} YAML aliases (refusing to expand)", event.start_mark
                )
        return super().compose_node(parent, index)


@dataclass(frozen=True)
class Frontmatter:
    data: dict[str, Any]
    error: str | None = None
    error_line: int | None = None  # 1-based line in the note


def load(text: str, first_line: int) -> Frontmatter:
    """Parse frontmatter ``text`` whose first YAML line is note line ``first_line``."""
    loader = _BoundedLoader if len(_ALIAS.findall(text)) > MAX_ALIASES else _FAST
    try:
        data = yaml.load(text, Loader=loader)  # noqa: S506 - safe loaders only
    except _AliasBomb:
        return Frontmatter(_salvage(text), f"frontmatter uses more than {MAX_ALIASES} YAML aliases "
                           "(YAML alias bomb?): not expanded, kept as plain lines", first_line)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = first_line + (mark.line if mark is not None else 0)
        problem = getattr(exc, "problem", None) or str(exc).split("\n")[0]
        return Frontmatter(_salvage(text), f"malformed YAML frontmatter: {problem}", line)
    except RecursionError:
        return Frontmatter(_salvage(text), "YAML frontmatter nested too deeply", first_line)
    if data is None:
        return Frontmatter({})
    if not isinstance(data, dict):
        return Frontmatter({}, "frontmatter is not a mapping of keys to values", first_line)
    try:
        return Frontmatter(normalise(data, [MAX_VALUES, len(text) + MAX_EXTRA_CHARS]))
    except _TooDeep:  # normalising it was recursion as deep as the header: 500 levels raised RecursionError
        return Frontmatter(_salvage(text), f"YAML frontmatter nested deeper than {MAX_DEPTH} levels: "
                           "kept as plain lines", first_line)
    except _TooBig:
        return Frontmatter(_salvage(text), f"frontmatter expands to more than {MAX_VALUES} values or "
                           f"{MAX_EXTRA_CHARS} characters beyond its own (YAML alias bomb?): kept as plain lines",
                           first_line)


def _salvage(text: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for line in text.split("\n"):
        match = TOP_KEY.match(line)
        if match and match.group(2):
            out.setdefault(match.group(1).strip(), match.group(2).strip().strip("'\""))
    return out


class _TooBig(Exception):
    pass


class _TooDeep(Exception):
    pass


def normalise(value: Any, budget: list[int] | None = None, depth: int = 0) -> Any:
    """JSON-ready values: dates as ISO 8601 strings, keys as strings; at most ``budget`` = [values, characters],
    and ``MAX_DEPTH`` levels of nesting.

    Aliases share one object, so a short header can stand for gigabytes of text once written out: both
    the number of values and the characters of strings (keys included) are counted."""
    if depth > MAX_DEPTH:
        raise _TooDeep
    if budget is not None:
        budget[0] -= 1
        if isinstance(value, str):
            budget[1] -= len(value)
        if budget[0] < 0 or budget[1] < 0:
            raise _TooBig
    if isinstance(value, dict):
        return {normalise(k, budget, depth + 1) if isinstance(k, str) else str(k): normalise(v, budget, depth + 1)
                for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [normalise(v, budget, depth + 1) for v in value]
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="backslashreplace")
    if isinstance(value, float) and value != value:  # NaN is not JSON
        return None
    return value


def string_list(value: Any) -> list[str]:
    """``tags``/``aliases`` may be a list, a string ("a, b" or "a b" for tags) or absent."""
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        items = [str(v) for v in value if v is not None and str(v).strip()]
    else:
        items = [str(value)]
    return [item.strip() for item in items if item.strip()]


def tag_names(value: Any) -> list[str]:
    names: list[str] = []
    for item in string_list(value):
        for part in re.split(r"[,\s]+", item):
            part = part.strip().strip("[]'\"").lstrip("#")
            if part and not part.isdigit():
                names.append(part)
    return names


def alias_names(value: Any) -> list[str]:
    if isinstance(value, str):
        return [a.strip() for a in value.split(",") if a.strip()]
    return string_list(value)
