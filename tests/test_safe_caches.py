"""Caches in ``.kg/`` are data, never code: a ``.kg`` folder synced from someone else runs nothing."""

from __future__ import annotations

import json
import pickle

from conftest import run_kg


class _Payload:
    """Unpickling this runs ``open(marker, 'w')``: what a planted cache would do to whoever loads it."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, "w"))


def test_planted_malicious_pickle_runs_nothing(demo_vault, tmp_path):
    run_kg("index", str(demo_vault))
    kg = demo_vault / ".kg"
    assert (kg / "concepts.json").is_file() and not (kg / "concepts.pickle").exists()
    before = json.loads(run_kg("ask", "risks of LoRA on CoT", "--vault", str(demo_vault), "--json").stdout)
    markers = {}
    for name in ("concepts.pickle", "concepts.json"):  # the old cache's name and the new one's
        markers[name] = tmp_path / f"ran-{name}"
        (kg / name).write_bytes(pickle.dumps((json.loads((kg / "concepts.json").read_text())["key"],
                                              _Payload(markers[name]))))
    after = json.loads(run_kg("ask", "risks of LoRA on CoT", "--vault", str(demo_vault), "--json").stdout)
    run_kg("index", str(demo_vault))
    run_kg("why", "LoRA", "CoT", "--vault", str(demo_vault))
    assert not any(m.exists() for m in markers.values()), "a planted pickle ran"
    assert after == before  # the unreadable cache is rebuilt from the index, same answers


def test_concept_cache_of_the_wrong_shape_is_rebuilt(demo_vault):
    run_kg("index", str(demo_vault))
    cache = demo_vault / ".kg" / "concepts.json"
    good = json.loads(cache.read_text())
    before = run_kg("ask", "risks of LoRA on CoT", "--vault", str(demo_vault), "--json").stdout
    index = good["index"]
    for bad in ({**good, "index": {**index, "concepts": [{"id": 1}]}}, {**good, "index": "x"},
                {**good, "index": {**index, "root": {"lora": []}}}, {**good, "index": {**index, "root": []}},
                {**good, "index": {**index, "root": {"lora": {"\u0000": ["LoRA"]}}}},
                {**good, "index": {**index, "exact": [[["lora"], ["LoRA"]]]}},
                [1, 2], {**good, "format": "other"}):
        cache.write_text(json.dumps(bad))
        result = run_kg("ask", "risks of LoRA on CoT", "--vault", str(demo_vault), "--json")
        assert result.stdout == before and "Traceback" not in result.stderr
