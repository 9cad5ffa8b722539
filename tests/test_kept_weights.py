"""An index past ``KEEP_WEIGHTS_ABOVE`` passages keeps the default model's weights as they load fastest
(``.kg/models/``): a one-off `kg ask` reads them instead of inflating the package's. The same weights: the same
answers with the copy, without it, or with it damaged; an index run writes it once, repairs a damaged one and removes
copies of other versions. A smaller index keeps none (the copy, 79 MB, would be larger than it).

The fixture vault is small: these tests index it in process with the bound at 0."""

from __future__ import annotations

import json
import zipfile

import numpy as np
import pytest
from conftest import fixture_vault, run_kg

import vaultgraph.index.build as build
from vaultgraph.index.embedders import DEFAULT_MODEL
from vaultgraph.index.models import load_model
from vaultgraph.layout import models_dir
from vaultgraph.service import index_vault

REAL = {"KG_MODEL": DEFAULT_MODEL}
QUESTION = "what goes wrong in an analysis of a problem"


def _notes(root):
    return fixture_vault(root, {"analysis_problem_consequence_solution.md": "Analysis.md", "chat_export.md": "Chat.md",
                                "footnotes.md": "Footnotes.md"})


def _index(root, model=DEFAULT_MODEL):
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(build, "KEEP_WEIGHTS_ABOVE", 0)
        index_vault(root, model=model)


@pytest.fixture(scope="module")
def vault(tmp_path_factory):
    root = _notes(tmp_path_factory.mktemp("kept") / "vault")
    _index(root)
    return root


def _kept(vault):
    return sorted(models_dir(vault).glob("*.npz"))


def _answer(vault):
    result = run_kg("ask", QUESTION, "--vault", str(vault), "--json", env=REAL)
    assert "Traceback" not in result.stderr
    return json.loads(result.stdout)


def test_index_keeps_the_weights_stored_uncompressed(vault):
    (kept,) = _kept(vault)
    assert kept.name.startswith("use-multilingual-")
    with zipfile.ZipFile(kept) as z:
        assert z.testzip() is None
        assert {i.compress_type for i in z.infolist()} == {zipfile.ZIP_STORED}
        assert "table.npy" in z.namelist() and not any(n.startswith("q") for n in z.namelist())
    # the 65 MB embedding table is read from the file where it lies, not built at every load
    assert isinstance(load_model(DEFAULT_MODEL, kept=models_dir(vault))._use._model.table, np.memmap)


def test_the_kept_weights_give_the_same_vectors(vault):
    texts = ["LoRA trades quality for memory", "дообучение с адаптерами", "x"]
    package = load_model(DEFAULT_MODEL)
    kept = load_model(DEFAULT_MODEL, kept=models_dir(vault))
    assert kept.model_id == package.model_id
    assert np.array_equal(kept.embed_batch(texts), package.embed_batch(texts))


def test_answers_equal_with_the_copy_without_it_and_with_it_damaged(vault, tmp_path):
    (kept,) = _kept(vault)
    with_copy = _answer(vault)
    assert with_copy["answers"]
    saved = tmp_path / "saved.npz"
    kept.rename(saved)
    assert _answer(vault) == with_copy
    kept.write_bytes(saved.read_bytes()[:1_000_000])
    assert _answer(vault) == with_copy  # a truncated copy is not read: the package's weights are
    import shutil

    shutil.copy(load_model(DEFAULT_MODEL)._weights, kept)  # deflated (as the package ships it): not read either
    assert _answer(vault) == with_copy
    kept.write_bytes(saved.read_bytes()[:1_000_000])
    # the next index run finds it damaged and writes it again; a copy of another version goes
    (models_dir(vault) / "use-multilingual-0.0.1.npz").write_bytes(b"old")
    note = vault / "Footnotes.md"
    note.write_text(note.read_text(encoding="utf-8") + "\nOne more line.\n", encoding="utf-8")
    _index(vault)
    assert [k.name for k in _kept(vault)] == [kept.name]
    assert kept.stat().st_size == saved.stat().st_size
    with zipfile.ZipFile(kept) as z:
        assert z.testzip() is None
    assert _answer(vault)["answers"]


def test_a_copy_kept_by_an_earlier_kg_is_read_and_the_next_index_rewrites_it(tmp_path):
    """kg before this layout kept the package's arrays as they are (17 chunks of the table), stored."""
    root = _notes(tmp_path / "vault")
    _index(root)
    (kept,) = _kept(root)
    answer = _answer(root)
    with np.load(load_model(DEFAULT_MODEL)._weights) as weights, zipfile.ZipFile(kept, "w") as out:
        for name in weights.files:
            with out.open(name + ".npy", "w", force_zip64=True) as handle:
                np.lib.format.write_array(handle, weights[name])
    earlier = load_model(DEFAULT_MODEL, kept=models_dir(root))
    assert not isinstance(earlier._use._model.table, np.memmap)  # read through the package's own load
    assert _answer(root) == answer
    note = root / "Footnotes.md"
    note.write_text(note.read_text(encoding="utf-8") + "\nOne more line.\n", encoding="utf-8")
    _index(root)
    with zipfile.ZipFile(kept) as z:
        assert "table.npy" in z.namelist()


def test_a_small_index_or_another_model_keeps_nothing(tmp_path):
    small = _notes(tmp_path / "small")
    run_kg("index", str(small), env=REAL)  # 3 notes: far under KEEP_WEIGHTS_ABOVE passages
    assert not models_dir(small).exists() and _answer(small)["answers"]
    fake = fixture_vault(tmp_path / "fake", {"footnotes.md": "Footnotes.md"})
    _index(fake, "fake")  # it has no weights to keep
    assert not models_dir(fake).exists()
