"""Each primitive has one home: the closed vocabularies agree with the ontology, citations and .kg paths are
spelled by one module each, and the tokenizers keep their exact cuts."""

from pathlib import Path

from vaultgraph import citations, layout, vocabulary
from vaultgraph.text import words

SRC = Path(__file__).resolve().parent.parent / "src" / "vaultgraph"


def test_claim_kinds_are_the_ontology_claim_classes():
    assert set(vocabulary.CLAIM_KINDS) == vocabulary.ontology_claim_kinds()
    assert vocabulary.CLAIM_KINDS[0] == "claim"  # a claim's kinds start with it; the stored bit order


def test_section_roles_are_the_ontology_role_individuals():
    roles = vocabulary.ontology_roles()
    assert set(vocabulary.SECTION_ROLES) == set(roles)
    assert all(roles[r] == vocabulary.role_individual(r) for r in vocabulary.SECTION_ROLES)


def test_note_types_defining_a_concept():
    assert vocabulary.defines_concept("Method") and vocabulary.defines_concept("метод")
    assert not vocabulary.defines_concept(None) and not vocabulary.defines_concept("note")


def test_citation_spelling():
    assert citations.where("a/LoRA.md", 3, 3) == "a/LoRA.md:3"
    assert citations.where("a/LoRA.md", 3, 7) == "a/LoRA.md:3-7"
    assert citations.obsidian_url(Path("/x/My Vault"), "Заметки/LoRA & co.md") == \
        "obsidian://open?vault=My%20Vault&file=%D0%97%D0%B0%D0%BC%D0%B5%D1%82%D0%BA%D0%B8%2FLoRA%20%26%20co"
    assert citations.wikilink("a/LoRA.md", 3, 7, "Top › Risks [1] | #2", in_table=True) == \
        "[[a/LoRA#Risks (1)    2\\|LoRA:3-7]]"


def test_no_module_spells_the_kg_folder_but_layout():
    spelled = [p.relative_to(SRC).as_posix() for p in SRC.rglob("*.py")
               if p.name != "layout.py" and ('".kg"' in p.read_text(encoding="utf-8")
                                            or "'.kg'" in p.read_text(encoding="utf-8"))]
    assert spelled == []
    assert layout.words_file(Path("/v"), "3") == Path("/v/.kg/search/words-3.npz")
    assert layout.vault_of(Path("/v/.kg/search/bm25-1/x.npy")) == Path("/v")


def test_tokenizers_keep_their_cuts():
    assert words.tokenize("LoRA-дообучения и fine-tuned модели, ёлка 2024") == \
        ["lora", "дообучен", "fine", "tune", "модел", "елк", "2024"]
    assert words.tokenize("скачок") == words.tokenize("скачки")
    assert words.heading_stems("Последствия отсутствия решения") == ("последств", "отсутств", "решен")
    assert words.stem("Рисками") == words.stem("риски")
    keys = [words.concept_key(m.group())[0] for m in words.concept_tokens("цепочек LLMs")]
    assert keys == [words.concept_key("цепочка")[0], "llm"]


def test_every_vaultgraph_error_lives_in_errors_and_is_exported():
    import vaultgraph
    from vaultgraph import errors

    defined = sorted(p.relative_to(SRC).as_posix() for p in SRC.rglob("*.py") if p.name != "errors.py"
                     for line in p.read_text(encoding="utf-8").splitlines()
                     if line.startswith("class ") and any(f"({name})" in line or f"({name}," in line
                                                          for name in errors.__all__))
    assert defined == []
    for name in errors.__all__:
        assert issubclass(getattr(errors, name), errors.VaultgraphError) and getattr(vaultgraph, name) is getattr(errors, name)
        assert name in (errors.__doc__ or "")  # drawn in the tree


def test_no_lower_layer_imports_service():
    up = sorted(p.relative_to(SRC).as_posix() for p in SRC.rglob("*.py")
                if p.relative_to(SRC).parts[0] not in ("service", "cli", "server", "agent")  # the front ends call it
                and any(s in p.read_text(encoding="utf-8") for s in ("from ..service", "from .service", "import service")))
    assert up == []


def test_one_reading_of_wikilinks():
    from vaultgraph.extract.facts import link_targets
    from vaultgraph.extract.sources import wikilink_refs
    from vaultgraph.markdown import links, parse_text

    text = "see [[LoRA#Risks|its risks]] and ![[QLoRA]] and [[#Local]] and [[a\\|b]] but not [[x\ny]] or [[ ]]"
    found = list(links.wikilinks(text))
    assert [(w.target, w.heading, w.alias, w.embed) for w in found] == [
        ("LoRA", "Risks", "its risks", False), ("QLoRA", None, None, True), ("", "Local", None, False),
        ("a", None, "b", False)]
    assert all(text[w.start:w.end] == w.raw for w in found)
    assert link_targets("[[LoRA#Risks]], [[QLoRA]]") == ["LoRA", "QLoRA"]
    assert [r.key for r in wikilink_refs(text)] == ["note:?LoRA", "note:?QLoRA", "note:?a"]
    note = parse_text(f"---\nrelated: \"[[LoRA#Risks|r]] [[QLoRA]]\"\n---\n{text}\n", "n.md")
    assert [(link.target, link.heading, link.context) for link in note.links] == [
        ("LoRA", "Risks", "frontmatter"), ("QLoRA", None, "frontmatter"), ("LoRA", "Risks", "body"),
        ("QLoRA", None, "body"), ("", "Local", "body"), ("a", None, "body")]
    assert links.shown("[[LoRA#Risks|its risks]] [[#Aliases]] [text](url)") == "its risks Aliases text"


def test_no_wikilink_pattern_outside_markdown():
    import re

    compiled = [p.relative_to(SRC).as_posix() for part in ("extract", "index", "query", "reason")
                for p in (SRC / part).rglob("*.py")
                if re.search(r"re\.compile\([^\n]*\\\[\\\[", p.read_text(encoding="utf-8"))]
    assert compiled == []


def test_cli_calls_service_only():
    """The CLI is a thin shell: it reaches the stages through service/ (and prints through render/), so kg serve
    and kg mcp, which call the same service functions, cannot drift from it."""
    import re

    stages = "graph|reason|store|index|query|extract|markdown|vault"
    reaching = sorted(f"{p.relative_to(SRC).as_posix()}:{n}" for p in (SRC / "cli").rglob("*.py")
                      for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
                      if re.search(rf"^\s*(from\s+(\.\.|vaultgraph\.)({stages})\b|import\s+vaultgraph\.({stages})\b)",
                                   line))
    assert reaching == []
    render = [p.relative_to(SRC).as_posix() for p in (SRC / "render").rglob("*.py")
              if re.search(r"from \.\.(service|cli)\b", p.read_text(encoding="utf-8"))]
    assert render == []
