"""``kg serve`` on a large first index serves as soon as the vault answers, while its vectors are computed.

A first index whose search base lacks more than ``DEFER_ABOVE`` vectors commits words and the graph first
(``tests/test_answer_early.py``); the server starts answering then, says so, and answers with the vectors once
the second transaction commits. Real model, a generated vault just over the threshold."""

from __future__ import annotations

from urllib.parse import urlencode

import vaultgen
from serving import Served, kg_env, wait_for

from vaultgraph.index.build import DEFER_ABOVE

MODEL = "use-multilingual"


def test_a_large_first_index_is_served_before_its_vectors(tmp_path):
    vault = tmp_path / "big"
    vaultgen.generate(vault, 650, seed=3)
    with Served(vault, env=kg_env(KG_MODEL=MODEL), watching=False, ready_seconds=600) as served:
        status, early = served.get("/api/status")
        assert status == 200
        pending = early["search"]["vectors_pending"]
        assert pending > DEFER_ABOVE and early["search"]["model"] is None, early["search"]
        assert any("answering from words and the graph" in line for line in served.log), served.log
        status, answer = served.get("/api/ask?" + urlencode({"q": "risks of LoRA"}))
        assert status == 200 and answer["answers"] and all(a["citations"] for a in answer["answers"])

        done, _ = wait_for(lambda: any("watching" in line for line in served.log), 600, step=0.5)
        assert done, served.log
        indexed = [line for line in served.log if "notes indexed" in line]
        assert indexed and served.log.index(indexed[0]) > next(
            i for i, line in enumerate(served.log) if "answering from words" in line)
        late = served.get("/api/status")[1]["search"]
        assert late["model"] == MODEL and late["vectors_pending"] == 0
        assert served.get("/api/ask?" + urlencode({"q": "risks of LoRA"}))[1]["answers"]
