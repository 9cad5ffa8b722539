#!/usr/bin/env python3
"""Generate a realistic synthetic Obsidian vault about LLM methods (English and Russian notes).

    python benchmarks/vaultgen.py OUT_DIR --notes 10000 --seed 1

or, from Python, ``generate(out_dir, notes, seed) -> dict`` (the statistics printed by the CLI).

The output is a pure function of ``(notes, seed)``: every note draws from its own
``random.Random`` seeded from the vault seed and its index, so two runs give byte-identical trees.
All text is assembled here from word lists and sentence templates (nothing is copied from real notes).

What a vault holds, in proportions chosen to look like a real research vault:

* ~30 % Russian notes (Cyrillic text, mostly Cyrillic file names), the rest English;
* note sizes drawn from a lognormal (most notes 20-150 lines) plus a few 1,000-5,000 line notes;
* folders nested 1-3 levels deep, some file names repeated in different folders, ``.obsidian/``;
* YAML frontmatter: ``tags`` as block lists, flow lists and strings, ``aliases``, dates, ``[[links]]``
  in properties and, in a fraction of notes, long ``|-`` block scalars;
* headings of levels 1-4, wiki-links of every form (``[[a]]``, ``[[a|alias]]``, ``[[a#heading]]``,
  ``[[a#^block]]``, ``[[#local]]``, ``![[embed]]``, ``![[img.png|300]]``, ``[[folder/a]]``) aimed at
  existing notes, headings and block ids, ~15 % at notes that do not exist;
* ``^block`` ids, markdown links to local ``.md`` files, inline tags (nested, Cyrillic), footnotes
  whose definitions hold wiki-links, tables (some with ``[[a\\|alias]]``), callouts (folded, nested),
  chat exports (``>[!nexus_user]`` / ``>[!nexus_agent]`` with ``> ###`` headings, tables and
  ``<!-- UID: ... -->``), Dataview inline fields, fenced and indented code holding fake links, math;
* ~1 % of notes saved as mojibake (UTF-8 read as Mac Roman and saved again), a few with only some
  lines damaged, a few with CRLF line endings or a BOM, a few empty notes, and small PNG attachments.
"""

from __future__ import annotations

import argparse
import json
import random
import struct
import sys
import time
import zlib
from pathlib import Path

from vaultgen_plan import Ctx, plan_vault
from vaultgen_notes import Writer


# --------------------------------------------------------------------------------------------------
# Files
# --------------------------------------------------------------------------------------------------

def _png(rng: random.Random) -> bytes:
    w, h = rng.randint(16, 64), rng.randint(16, 48)
    base = [rng.randrange(256) for _ in range(3)]
    raw = bytearray()
    for y in range(h):
        raw.append(0)
        for x in range(w):
            raw += bytes(((base[0] + 3 * x) % 256, (base[1] + 5 * y) % 256, (base[2] + x * y) % 256))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(bytes(raw), 9)) + chunk(b"IEND", b""))


def _mojibake(text: str) -> str:
    return text.encode("utf-8").decode("mac_roman")


OBSIDIAN_FILES = {
    "app.json": {"alwaysUpdateLinks": True, "newLinkFormat": "shortest", "useMarkdownLinks": False,
                 "attachmentFolderPath": "attachments", "showFrontmatter": True},
    "appearance.json": {"baseFontSize": 16, "theme": "obsidian", "cssTheme": ""},
    "core-plugins.json": ["file-explorer", "global-search", "graph", "backlink", "outgoing-link", "tag-pane",
                          "page-preview", "templates", "outline", "word-count"],
    "community-plugins.json": ["dataview", "obsidian-excalidraw-plugin"],
    "workspace.json": {"main": {"id": "a1b2c3", "type": "split", "children": []},
                       "lastOpenFiles": ["methods/LoRA.md"]},
    "plugins/dataview/manifest.json": {"id": "dataview", "name": "Dataview", "version": "0.5.67"},
    "plugins/dataview/data.json": {"inlineQueryPrefix": "=", "enableDataviewJs": False},
}


def generate(out_dir: Path, notes: int, seed: int = 1) -> dict:
    """Write a synthetic vault of ``notes`` notes into ``out_dir``; return its statistics."""
    started = time.perf_counter()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    plans, missing, images = plan_vault(notes, seed)
    counters: dict[str, int] = _Counter()
    ctx = Ctx(plans, missing, images, counters)

    obsidian = out_dir / ".obsidian"
    for name, data in OBSIDIAN_FILES.items():
        target = obsidian / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    (obsidian / "snippets").mkdir(exist_ok=True)
    (obsidian / "snippets" / "wide.css").write_text(".wide { --file-line-width: 60rem; }\n", encoding="utf-8")

    attachments = out_dir / "attachments"
    attachments.mkdir(exist_ok=True)
    img_rng = random.Random(seed * 31 + 7)
    for name in images:
        (attachments / name).write_bytes(_png(img_rng))

    made_dirs: set[str] = set()
    total_bytes = total_lines = 0
    by_lang = {"en": 0, "ru": 0}
    encodings = _Counter()
    biggest = 0
    for p in plans:
        rng = random.Random(seed * 1_000_003 + p.index)
        text = Writer(p, ctx, rng).text()
        total_lines += text.count("\n")
        biggest = max(biggest, text.count("\n"))
        if p.encoding == "mojibake":
            text = _mojibake(text)
        elif p.encoding == "mojibake-lines":
            lines = text.split("\n")
            for k, line in enumerate(lines):
                if not line.isascii() and rng.random() < 0.4:
                    lines[k] = _mojibake(line)
            text = "\n".join(lines)
        elif p.encoding == "crlf":
            text = text.replace("\n", "\r\n")
        data = text.encode("utf-8")
        if p.encoding == "bom":
            data = b"\xef\xbb\xbf" + data
        encodings[p.encoding] += 1
        if p.folder not in made_dirs:
            (out_dir / p.folder).mkdir(parents=True, exist_ok=True)
            made_dirs.add(p.folder)
        (out_dir / p.path).write_bytes(data)
        total_bytes += len(data)
        by_lang[p.lang] += 1

    names: dict[str, int] = {}
    for p in plans:
        names[p.title.lower()] = names.get(p.title.lower(), 0) + 1
    sizes = sorted(p.lines for p in plans)
    return {
        "notes": notes,
        "seed": seed,
        "out_dir": str(out_dir),
        "bytes": total_bytes,
        "lines": total_lines,
        "russian_notes": by_lang["ru"],
        "english_notes": by_lang["en"],
        "kinds": dict(sorted(_Counter(p.kind for p in plans).items())),
        "encodings": dict(sorted(encodings.items())),
        "mojibake_notes": encodings["mojibake"],
        "folders": len(made_dirs),
        "max_folder_depth": max(p.folder.count("/") + 1 if p.folder else 0 for p in plans),
        "duplicate_basenames": sum(1 for c in names.values() if c > 1),
        "attachments": len(images),
        "planned_lines_median": sizes[len(sizes) // 2] if sizes else 0,
        "notes_over_1000_lines": sum(1 for s in sizes if s >= 1000),
        "largest_note_lines": biggest,
        "features": dict(sorted(counters.items())),
        "seconds": round(time.perf_counter() - started, 3),
    }


class _Counter(dict):
    def __missing__(self, key):
        return 0

    def __init__(self, items=()):
        super().__init__()
        for item in items:
            self[item] += 1


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out_dir", type=Path)
    ap.add_argument("--notes", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--json", action="store_true", help="print the statistics as JSON")
    args = ap.parse_args(argv)
    if args.out_dir.exists() and any(args.out_dir.iterdir()):
        print(f"error: {args.out_dir} is not empty", file=sys.stderr)
        return 2
    stats = generate(args.out_dir, args.notes, args.seed)
    if args.json:
        print(json.dumps(stats, ensure_ascii=False, indent=2))
    else:
        print(f"{stats['notes']} notes ({stats['russian_notes']} Russian, {stats['mojibake_notes']} mojibake), "
              f"{stats['bytes'] / 2**20:.1f} MiB, {stats['lines']} lines, {stats['folders']} folders, "
              f"{stats['duplicate_basenames']} duplicated names, {stats['attachments']} PNGs "
              f"in {stats['seconds']:.1f} s -> {stats['out_dir']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
