"""``kg ask`` and ``kg search``: questions in, cited answers out.

A ``Searcher`` keeps what a query needs loaded (the index connection, the concept index, BM25, FAISS,
the embedding model) so a process answering many questions pays for loading once. Each question runs
in one read snapshot of the index, and the search files are those of that snapshot's generation:
a concurrent ``kg index`` never shows a reader half of its work.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..errors import IndexMissing, VaultgraphError
from ..index import delta, lexical, links, vectors, words
from ..index.generations import damage as search_damage
from ..index.generations import files_of
from ..index.store import passages_by_row
from ..layout import delta_file, index_db, links_dir, models_dir, words_file
from ..limits import QUESTION_CHARS
from ..query.answer import Result, assemble
from ..query.coverage import Question, analyse, coverage, general_weights, translatable
from ..query.entities import link, weak
from ..query.intent import classify
from ..query.relevance import THRESHOLD, Calibration, probabilities
from ..query.retrieve import DEPTH, RARE_PER, Hit, finish, fuse, graph_hits, term_hits
from ..runtime import meanwhile
from ..store.sqlite import SCHEMA_VERSION, damaged, read_only
from ..store.sqlite import damage as sqlite_damage
from ..text.words import tokenize
from ..versions import SEARCH_VERSION

DEFAULT_TOP = 8


@dataclass
class Candidates:
    """What a question found before the relevance decision (``Searcher.candidates``)."""

    question: str
    intent: str
    entities: tuple[str, ...]
    weak: frozenset[str]  # question concepts named only by an ordinary word
    asked: Question
    hits: dict[int, Hit]
    calibration: Calibration
    notices: tuple[str, ...] = ()  # of this question alone (it was cut …)
    reasoning: Callable[[], tuple] | None = None  # its (comparison, explanation, notice), computed meanwhile


class Searcher:
    def __init__(self, root: Path, threads: int | None = 1):
        self.root = Path(root).resolve()
        self.threads = threads
        path = index_db(self.root)
        if not path.exists():
            raise IndexMissing(f"{self.root} has no index yet: run `kg index`")
        if why := sqlite_damage(path):
            raise damaged(self.root, why)
        self.conn = read_only(path, isolation_level=None, check_same_thread=False)
        self.conn.row_factory = sqlite3.Row
        if self.conn.execute("PRAGMA user_version").fetchone()[0] != int(SCHEMA_VERSION):
            self.conn.close()
            raise IndexMissing(f"the index of {self.root} was written by another version of kg: run `kg index`")
        meta = self._meta()
        if meta.get("search_generation") is None:  # a first index still being written (or never finished)
            self.conn.close()
            raise IndexMissing(f"the index of {self.root} has no search index: run `kg index`")
        if why := search_damage(self.root, meta):
            self.conn.close()
            raise damaged(self.root, why)
        found = self.conn.execute("SELECT value FROM meta WHERE key = 'search_version'").fetchone()
        if found is not None and found[0] != SEARCH_VERSION:
            self.conn.close()
            raise IndexMissing(f"the search files of {self.root} were written by another version of kg: "
                               "run `kg index`")
        self.generation: str | None = None
        self._concepts = None
        self._concepts_key = None
        self._base = self._base_lexical = self._base_vectors = self._base_links = self._base_words = None
        self.translator: words.Translator | None = None
        self.segments: delta.Segments | None = None
        self._embedder = None  # waits for the embedder loading meanwhile (which gives None when dense search is off)
        self._embedder_id: str | None = None
        self.notices: list[str] = []
        self.pending = 0  # passages whose vectors an index run has yet to write (index.build.DEFER_ABOVE)
        self.pending_notes = 0  # notes a first index's first slice left for its next transaction (indexing.Slice)
        self.timings: dict[str, float] = {}
        _limit_blas(threads)

    def close(self) -> None:
        self.conn.close()

    def refresh(self) -> None:
        """Load the search files of the index as it is now (a long-running process calls this after each
        re-index, so the next question does not pay for it); waits for the model."""
        self.conn.execute("BEGIN")
        try:
            self._load(self._meta())
        finally:
            self.conn.execute("COMMIT")
        self.embedder()

    # --- loading ---------------------------------------------------------------------------------

    def _meta(self) -> dict[str, str]:
        return {r["key"]: r["value"] for r in self.conn.execute("SELECT key, value FROM meta")}

    def _load(self, meta: dict[str, str]) -> None:
        """(Re)open the search files of the snapshot's generation and the concepts of its vault.

        The embedding model loads on a thread of its own meanwhile (0.3 s for the default model from the
        weights the index keeps, mostly reading files, which releases the GIL): the concept index, BM25 and
        FAISS load, and the graph and lexical lists are computed, while it does."""
        started = time.perf_counter()
        self._load_concepts(meta)
        generation = meta["search_generation"]
        self.pending = int(meta.get("vectors_pending") or 0)
        self.pending_notes = int(meta.get("notes_pending") or 0)
        if generation == self.generation:
            return
        if why := search_damage(self.root, meta):
            raise damaged(self.root, why)
        base = meta.get("search_base", generation)
        if base != self._base:
            bm25_dir, faiss_path = files_of(self.root, base)
            self._base_lexical = lexical.load(bm25_dir)
            self._base_vectors = vectors.load(faiss_path, threads=self.threads) if meta.get("model_id") else None
            self._base_links = links.load(links_dir(self.root, base))
            self._base_words = words.load(words_file(self.root, base)) if meta.get("words") == "1" else words.Words()
            self._base = base
        changes = delta.load(delta_file(self.root, generation)) if generation != base else delta.Delta()
        self.segments = delta.Segments(self._base_lexical, self._base_vectors, changes, self._base_links)
        added = words.load(words_file(self.root, generation)) if generation != base and meta.get("words") == "1" \
            else words.Words()
        vocabulary = words.concat(self._base_words, added)
        self.translator = words.Translator(vocabulary) if len(vocabulary) else None
        self.generation = generation
        self.timings["load"] = time.perf_counter() - started

    def _load_concepts(self, meta: dict[str, str]) -> None:
        """The concepts of the snapshot's vault (what a question's concepts are found with), the embedding
        model starting to load first."""
        if meta.get("search_generation") is None:
            raise IndexMissing(f"the index of {self.root} has no search index: run `kg index`")
        if meta["search_generation"] != self.generation and meta.get("model_id") and (
                self._embedder is None or self._embedder_id != meta["model_id"]):
            self._embedder_id = meta["model_id"]
            self._embedder = meanwhile(self._load_embedder, meta)
        key = meta.get("graph_signature")
        if self._concepts is None or key != self._concepts_key:
            from ..index.concepts import cached_concept_index

            self._concepts, self._concepts_key = cached_concept_index(self.root, self.conn, key), key

    def embedder(self):
        """The embedding model of the loaded generation (None when dense search is off)."""
        return self._embedder() if self._embedder is not None else None

    def _load_embedder(self, meta: dict[str, str]):
        from ..index.embedders import get_embedder

        self.notices = []  # of the model loaded before, if any
        try:
            embedder = get_embedder(meta["model_spec"], threads=self.threads, kept=models_dir(self.root))
        except VaultgraphError as exc:
            self.notices = [f"dense search is off: {exc}"]
            return None
        if embedder.model_id != meta["model_id"]:
            self.notices = [f"the index was embedded with {meta['model_id']}, not {embedder.model_id}: "
                            "run `kg index` to re-embed; dense search is off"]
            return None
        return embedder

    # --- questions -------------------------------------------------------------------------------

    def ask(self, question: str, top: int = DEFAULT_TOP, plain: bool = False, check: bool = False) -> Result:
        """Answers to ``question``; ``plain`` is semantic search: no intent, no graph walk. With ``check``, a
        notice says when notes changed since the index (for a one-off ``kg ask``: a server keeps its index
        current instead), the vault listed while the model loads (``candidates``)."""
        behind: list[str | None] = []
        idle = None
        if check:
            from .reading import stale_notice

            idle = lambda: behind.append(stale_notice(self.root))  # noqa: E731
        found = self.candidates(question, plain, reason=not plain, idle=idle)
        started = time.perf_counter()
        calibration = found.calibration
        hits = list(found.hits.values())
        for h, p in zip(hits, probabilities(hits, calibration, found.weak, len(found.entities),
                                            found.asked.unknown_share())):
            h.relevance = p
        keep = [h for h in hits if h.relevance >= THRESHOLD]
        limit = self.segments.documents() / RARE_PER
        rare = self.segments.rare(set(found.asked.words), limit) if limit >= 1 else frozenset()
        ranked = finish({h.row: h for h in keep}, found.intent, rare, found.question)
        concepts = self._concepts
        labels = {c: concepts.get(c).label_en for c in {h.inherited_from for h in ranked if h.inherited_from}}
        answers = assemble(ranked, found.intent, top, labels)
        self.timings["rank"] = time.perf_counter() - started
        comparison = explanation = None
        entities, intent = found.entities, found.intent
        notices = [*self.notices, *found.notices]  # the loaded index's, then this question's own
        if found.reasoning is not None:
            comparison, explanation, notice = found.reasoning()
            notices += [notice] if notice else []
        if self.pending_notes:
            from .reports import notes_pending

            notices.append(notes_pending(self.pending_notes))
        if self.pending:
            notices.append(f"{self.pending:,} passages have no vectors yet (`kg index` is computing them, or was "
                           "stopped: run it again): answers come from words and the graph")
        notices += [n for n in behind if n]
        return Result(found.question, intent, tuple((e, _label(concepts, e)) for e in entities), answers,
                      tuple(dict.fromkeys(notices)), comparison, explanation)

    def candidates(self, question: str, plain: bool = False, reason: bool = False,
                   idle: Callable[[], None] | None = None) -> Candidates:
        """Every passage the graph, the learned terms, BM25 and the dense index propose for ``question``,
        loaded, with the features the relevance decision reads (``query.relevance``), in one snapshot.
        With ``reason``, a question comparing or linking two concepts also gets its comparison table or
        explanation paths (``kg compare``/``kg why``), computed on a thread of its own meanwhile: mostly
        SQLite, which runs beside the model and the retrieval (a comparison question at 10,000 notes took
        0.35-0.45 s longer when they ran one after the other). What needs neither the index nor the model (the
        words' general frequencies, and ``idle``) is done before waiting for the model: in a fresh process the
        main thread waited 0.15-0.2 s for it, then did them."""
        question = " ".join(question.split())
        if not question:
            raise VaultgraphError("the question is empty")
        notices = ()
        if len(question) > QUESTION_CHARS:
            cut = question[:QUESTION_CHARS].rsplit(" ", 1)[0] or question[:QUESTION_CHARS]
            notices = (f"the question was cut to its first {len(cut):,} characters (of {len(question):,}): "
                       "ask in fewer words",)
            question = cut
        self.conn.execute("BEGIN")
        try:
            meta = self._meta()
            self._load_concepts(meta)  # the reasoning starts before the search files load
            concepts = self._concepts
            entities = link(question, concepts)
            intent = "open" if plain else classify(question, len(entities))
            reasoning = meanwhile(self._reason, intent, entities) \
                if reason and len(entities) >= 2 and intent in ("comparison", "explanation") else None
            self._load(meta)
            started = time.perf_counter()
            general = general_weights(question)
            if idle is not None:
                idle()
            # one thread: on a thread of its own the dense step waited for the GIL while the graph step ran
            # Python, and a question took 46-48 ms at the median instead of 35-36 (10,000 notes, 2 cores)
            lists, asked = self._dense(question, general)
            mark = time.perf_counter()
            hits = {} if plain else graph_hits(self.conn, self.segments, concepts, entities, intent)
            self.timings["graph"] = time.perf_counter() - mark
            defined = term_hits(self.conn, hits, asked.terms)
            lists.update(self._lexical(asked.lexical_query(), _labels_text(concepts, entities)))
            fuse(hits, lists)
            loaded = passages_by_row(self.conn, [r for r, h in hits.items() if h.passage is None])
            for h in hits.values():
                h.passage = h.passage or loaded.get(h.row)
            hits = {r: h for r, h in hits.items() if h.passage is not None}
            self._features(hits, asked, defined, _entity_words(concepts, entities, asked.words))
        finally:
            self.conn.execute("COMMIT")
        self.timings["query"] = time.perf_counter() - started
        return Candidates(question, intent, entities, weak(question, concepts) if entities else frozenset(),
                          asked, hits, Calibration.of(meta), notices, reasoning)

    def _reason(self, intent: str, entities: tuple[str, ...]):
        """The comparison table or the explanation paths, from the reasoning graph (``kg compare``/``kg why``),
        and why there is none (a notice)."""
        from .. import reason

        try:
            rg = reason.load(self.root)
            try:
                if intent == "comparison":
                    return reason.compare(rg, list(entities[:4]), limit=4), None, None  # what the answer shows
                return None, reason.why(rg, entities[0], entities[-1], k=3), None
            finally:
                rg.close()
        except VaultgraphError as exc:
            return None, None, f"no {'comparison' if intent == 'comparison' else 'explanation'}: {exc}"

    def _lexical(self, query: dict[str, float], labels: str = "") -> dict[str, list[tuple[int, float]]]:
        """Lexical hits of the question's words and their variants (``Question.lexical_query``); the query
        also holds the concepts' names in both languages, so an English question meets a Russian note
        («LoRA-дообучение») and the other way round."""
        started = time.perf_counter()
        for token in tokenize(labels):
            query.setdefault(token, 1.0)
        hits = self.segments.search_lexical(query, DEPTH)
        self.timings["lexical"] = time.perf_counter() - started
        return {"lexical": hits}

    def _dense(self, question: str, general: dict[str, float]):
        """Dense hits (none when dense search is off) and the question's analysis (``query.coverage``):
        its words' translations need the model too."""
        embedder = self.embedder()
        self._query_vector = None
        if embedder is None or self.segments.vectors is None:
            return {}, analyse(question, self.segments, self.conn, general=general)
        started = time.perf_counter()
        surfaces = list(translatable(question).values()) if self.translator is not None else []
        vectors = embedder.embed_batch([embedder.query_prefix + question, *surfaces])  # one call: the model's
        self._query_vector = query = vectors[0]  # overhead is paid once for the question and its words
        self.timings["embed"] = time.perf_counter() - started
        started = time.perf_counter()
        hits = self.segments.search_dense(query, DEPTH)
        self.timings["dense"] = time.perf_counter() - started
        started = time.perf_counter()
        asked = analyse(question, self.segments, self.conn, self.translator, dict(zip(surfaces, vectors[1:])), general)
        self.timings["analyse"] = time.perf_counter() - started
        return {"dense": hits}, asked

    def _features(self, hits: dict, asked, defined: dict[int, set[str]], entity_words: dict[str, set[str]]) -> None:
        """Each hit's coverage of the question and its dense similarity (for hits no dense list found)."""
        rows = [r for r, h in hits.items() if h.passage is not None]
        # a passage linked to a question concept (or inheriting from one) holds that concept's words
        named: dict[int, set[str]] = {}
        for r in rows:
            h = hits[r]
            about = set(h.covered) | (set(entity_words) if h.inherited_from else set())
            if about:
                named[r] = about
                defined.setdefault(r, set()).update(w for e in about for w in entity_words.get(e, ()))
        cover = coverage(asked, self.segments, rows, defined, named, entity_words)
        for r, c in zip(rows, cover.tolist()):
            hits[r].cover = c
        if self._query_vector is not None:
            missing = [r for r in rows if hits[r].dense is None]
            for r, v in self.segments.vectors_of(missing).items():
                hits[r].dense = float(v @ self._query_vector)


def _limit_blas(threads: int | None) -> None:
    """numpy's BLAS computes with ``threads`` threads in this process (default one). A question does many
    small products (a word against the vault's words): with a second thread, OpenBLAS spent 70 ms a
    question synchronising threads where one thread takes 4 ms."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return
    threadpool_limits(limits=max(1, int(threads or 1)), user_api="blas")


def _labels_text(concepts, entities: tuple[str, ...]) -> str:
    names = []
    for e in entities:
        if e in concepts:
            c = concepts.get(e)
            names += [x for x in (c.label_en, c.label_ru) if x]
    return " ".join(dict.fromkeys(names))


def _entity_words(concepts, entities: tuple[str, ...], question_words: list[str]) -> dict[str, set[str]]:
    """For each question concept: the question's words that name it (any of its labels' words)."""
    out = {}
    for e in entities:
        if e in concepts:
            c = concepts.get(e)
            label_words = {w for label in (c.id, *c.labels) for w in tokenize(label)}
            out[e] = {w for w in question_words if w in label_words}
    return out


def _label(concepts, cid: str) -> str:
    return concepts.get(cid).label_en if cid in concepts else cid


def ask(root: Path, question: str, top: int = DEFAULT_TOP, threads: int | None = 1) -> Result:
    searcher = Searcher(root, threads=threads)
    try:
        return searcher.ask(question, top)
    finally:
        searcher.close()


def search(root: Path, query: str, top: int = 10, threads: int | None = 1) -> Result:
    searcher = Searcher(root, threads=threads)
    try:
        return searcher.ask(query, top, plain=True)
    finally:
        searcher.close()


__all__ = ["DEFAULT_TOP", "Searcher", "ask", "search"]
