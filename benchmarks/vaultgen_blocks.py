"""The pieces of a generated note: sentences, links of every form, lists, tables, callouts, fields, code."""

from __future__ import annotations

import random
from urllib.parse import quote

from vaultgen_words import (AUTHORS, BENCHES, CALLOUT_TYPES, CODE_LANGS, COLUMNS_EN, COLUMNS_RU, CONCEPTS,
                            CONCEPTS_RU, EMOJI, FIELD_KEYS, GPUS, GPUS_RU, HEADINGS_EN, HEADINGS_RU, LRS, METHODS,
                            SENTENCES_EN, SENTENCES_RU, SIZES, TAGS_EN, TAGS_RU)
from vaultgen_plan import Ctx, NotePlan, cap, m_ru

_LINK_FORMS = ["plain", "alias", "heading", "block", "local", "embed", "image", "heading_alias", "path",
               "lower", "alias_target"]
_LINK_WEIGHTS = [40, 14, 12, 5, 5, 6, 3, 4, 5, 3, 3]


class Blocks:
    """The pieces of one note's text; ``rng`` is the note's own generator."""

    def __init__(self, plan: NotePlan, ctx: Ctx, rng: random.Random):
        self.p, self.ctx, self.rng = plan, ctx, rng
        self.ru = plan.lang == "ru"
        self.out: list[str] = []
        self.footnotes: list[str] = []
        self.blocks_left = list(plan.blocks)
        self.c = ctx.counters

    # ---- small pieces ------------------------------------------------------------------------

    def method(self) -> str:
        m = self.rng.choice(METHODS)
        return m_ru(m) if self.ru else m

    def sentence(self) -> str:
        rng = self.rng
        tpl = rng.choice(SENTENCES_RU if self.ru else SENTENCES_EN)
        m, m2 = self.method(), self.method()
        text = tpl.format(
            M=cap(m), m=m, m2=m2, c=rng.choice(CONCEPTS_RU if self.ru else CONCEPTS), n=rng.randint(2, 40),
            p=rng.randint(1, 15), s=rng.choice(SIZES), b=rng.choice(BENCHES), A=rng.choice(AUTHORS),
            y=rng.randint(2019, 2025), g=rng.choice(GPUS_RU if self.ru else GPUS), lr=rng.choice(LRS),
            r=rng.choice([1, 2, 4, 8, 16, 32, 64]))
        r = rng.random()
        if r < 0.24:
            link = self.link()
            text = text[:-1] + (rng.choice([f" — см. {link}.", f" ({link})."]) if self.ru
                                else rng.choice([f" — see {link}.", f" ({link}).", f", as in {link}."]))
        elif r < 0.28:
            text += " " + self.md_link()
        elif r < 0.35:
            text += " " + " ".join("#" + self.tag() for _ in range(rng.randint(1, 3)))
            self.c["inline_tags"] += 1
        elif r < 0.41 and self.footnotes is not None:
            label = str(len(self.footnotes) + 1) if rng.random() < 0.85 else f"n{len(self.footnotes) + 1}"
            self.footnotes.append(label)
            text = text[:-1] + f"[^{label}]."
        elif r < 0.45:
            text += rng.choice([" Use `r = 16` and `alpha = 32`.", " The call is `model.merge_and_unload()`.",
                                " Not a link: `[[Inline code]]`, not a tag: `#code`."])
        elif r < 0.49:
            text = f"**{text[:-1]}**."
        elif r < 0.51:
            key, val = rng.choice([("cost", "low"), ("effect", "keeps quality"), ("цена", "низкая"),
                                   ("risk", self.link(plain=True))])
            text += rng.choice([f" [{key}:: {val}]", f" ({key}:: {val})"])
            self.c["inline_fields_bracketed"] += 1
        elif r < 0.53:
            text += f" {rng.choice(EMOJI)}"
        elif r < 0.545:
            text += " In C++ you would write std::vector here, which is not a field."
        elif r < 0.56:
            text += f" The update is $\\Delta W = BA$ with rank {rng.choice([4, 8, 16])}."
        elif r < 0.575:
            text += f" See https://arxiv.org/abs/{rng.randint(2101, 2412)}.{rng.randint(10000, 19999)} for details."
        elif r < 0.585:
            text += " Not tags: #123, issue#5."
        return text

    def tag(self) -> str:
        return self.rng.choice(TAGS_RU if (self.ru or self.rng.random() < 0.1) else TAGS_EN)

    def target(self, plain: bool = False) -> tuple[str, NotePlan | None]:
        rng = self.rng
        if rng.random() < 0.15:
            self.c["links_missing"] += 1
            return rng.choice(self.ctx.missing), None
        p = self.ctx.notes[rng.randrange(len(self.ctx.notes))]
        if p.kind == "empty" and not plain:
            p = self.ctx.notes[rng.randrange(len(self.ctx.notes))]
        return p.title, p

    def link(self, plain: bool = False) -> str:
        rng = self.rng
        form = "plain" if plain else rng.choices(_LINK_FORMS, _LINK_WEIGHTS)[0]
        self.c["links"] += 1
        self.c[f"link_{form}"] += 1
        if form == "local":
            if self.p.headings:
                return f"[[#{rng.choice(self.p.headings)}]]"
            form = "plain"
        if form == "image":
            img = rng.choice(self.ctx.images)
            return rng.choice([f"![[{img}|300]]", f"![[{img}]]", f"![[{img}|{rng.choice([200, 400, 640])}]]"])
        name, p = self.target(plain)
        if form == "plain":
            return f"[[{name}]]"
        if form == "alias":
            return f"[[{name}|{self.alias_text()}]]"
        if form == "heading":
            head = rng.choice(p.headings) if p and p.headings else rng.choice(HEADINGS_EN).format(m="LoRA", b="MMLU")
            return f"[[{name}#{head}]]"
        if form == "heading_alias":
            head = rng.choice(p.headings) if p and p.headings else "Risks"
            return f"[[{name}#{head}|{self.alias_text()}]]"
        if form == "block":
            block = rng.choice(p.blocks) if p and p.blocks else f"missing-{rng.randrange(16**4):04x}"
            return f"[[{name}#^{block}]]"
        if form == "embed":
            if p and p.headings and rng.random() < 0.3:
                return f"![[{name}#{rng.choice(p.headings)}]]"
            return f"![[{name}]]"
        if form == "path":
            return f"[[{p.link_path if p else 'archive/' + name}]]" if rng.random() < 0.6 else \
                f"[[{p.link_path if p else 'archive/' + name}|{name}]]"
        if form == "lower":
            return f"[[{name.lower()}]]"
        if form == "alias_target":
            if p and p.aliases:
                return f"[[{rng.choice(p.aliases)}]]"
            return f"[[{name}]]"
        raise AssertionError(form)

    def alias_text(self) -> str:
        rng = self.rng
        if self.ru:
            return rng.choice(["подробнее", "здесь", "эта заметка", m_ru(rng.choice(METHODS)), "источник"])
        return rng.choice(["details", "here", "this note", rng.choice(METHODS), "the paper", "why"])

    def md_link(self) -> str:
        rng = self.rng
        self.c["md_links"] += 1
        r = rng.random()
        if r < 0.2:
            return f"[{rng.choice(['paper', 'статья', 'code'])}](https://arxiv.org/abs/{rng.randint(2101, 2412)}." \
                   f"{rng.randint(10000, 19999)})"
        if r < 0.3:
            img = rng.choice(self.ctx.images)
            return f"![chart](attachments/{quote(img)})"
        name, p = self.target()
        path = p.path if p else f"{name}.md"
        if r < 0.75:
            href = quote(path)
        elif r < 0.85 and p and self.p.folder and p.folder and "/" not in self.p.folder:
            href = "../" + quote(path)
        elif r < 0.93:
            return f"[{name}](<{path}>)"
        else:
            head = p.headings[0] if p and p.headings else "Notes"
            href = f"{quote(path)}#{quote(head)}"
        return f"[{name}]({href})"

    def maybe_block_id(self, prob: float = 0.08) -> str:
        if self.blocks_left and self.rng.random() < prob:
            self.c["block_ids"] += 1
            return f" ^{self.blocks_left.pop()}"
        return ""

    # ---- blocks ------------------------------------------------------------------------------

    def paragraph(self) -> list[str]:
        rng = self.rng
        n = rng.choice([1, 1, 2, 2, 3, 4])
        if rng.random() < 0.2:
            lines = [self.sentence() for _ in range(n + 1)]
        else:
            lines = [" ".join(self.sentence() for _ in range(n))]
        lines[-1] += self.maybe_block_id()
        return lines

    def bullet_list(self) -> list[str]:
        rng = self.rng
        style = rng.choice(["- ", "* ", "1. ", "- [ ] ", "- "])
        out = []
        for k in range(rng.randint(2, 8)):
            marker = f"{k + 1}. " if style == "1. " else ("- [x] " if style == "- [ ] " and rng.random() < 0.4
                                                         else style)
            item = self.sentence() if rng.random() < 0.7 else f"{self.link()} — {self.method()}"
            out.append(marker + item + self.maybe_block_id(0.05))
            if rng.random() < 0.15:
                out.append("    - " + self.sentence())
        return out

    def table(self, quoted: bool = False) -> list[str]:
        rng = self.rng
        cols = rng.randint(2, 5)
        names = rng.sample(COLUMNS_RU if self.ru else COLUMNS_EN, cols)
        rows = ["| " + " | ".join(names) + " |",
                "|" + "|".join(rng.choice(["---", ":---", ":---:", "---:"]) for _ in names) + "|"]
        for _ in range(rng.randint(2, 10)):
            cells = []
            for c in range(cols):
                r = rng.random()
                if c == 0:
                    cells.append(cap(self.method()))
                elif r < 0.25:
                    link = self.link(plain=True)
                    if rng.random() < 0.4:
                        link = link[:-2] + "\\|" + self.alias_text() + "]]"
                        self.c["escaped_pipe_links"] += 1
                    cells.append(link)
                elif r < 0.45:
                    cells.append(rng.choice(EMOJI))
                elif r < 0.7:
                    cells.append(f"{rng.randint(1, 99)}{rng.choice(['%', ' GB', '×', ' pts', ''])}")
                else:
                    cells.append(rng.choice(CONCEPTS_RU if self.ru else CONCEPTS))
            rows.append("| " + " | ".join(cells) + " |")
        self.c["tables"] += 1
        return ["> " + r for r in rows] if quoted else rows

    def callout(self) -> list[str]:
        rng = self.rng
        if rng.random() < 0.1:
            self.c["blockquotes"] += 1
            return ["> " + self.sentence(), "> — " + rng.choice(AUTHORS)]
        kind = rng.choice(CALLOUT_TYPES)
        fold = rng.choice(["", "", "", "-", "+"])
        title = rng.choice(["", cap(self.method()), rng.choice(HEADINGS_RU if self.ru else HEADINGS_EN).format(
            m="LoRA", b="GSM8K")])
        head = rng.choice([">", "> "]) + f"[!{rng.choice([kind, kind, kind.upper(), kind.capitalize()])}]{fold}"
        out = [head + (" " + title if title else "")]
        self.c["callouts"] += 1
        for _ in range(rng.randint(1, 4)):
            r = rng.random()
            if r < 0.6:
                out.append("> " + self.sentence())
            elif r < 0.85:
                out.append("> - " + self.sentence())
            else:
                out.append("> " + self.link())
        if rng.random() < 0.1:
            self.c["callouts_nested"] += 1
            inner = f"> > [!{rng.choice(['solution', 'tip', 'example'])}] {self.method()}"
            out += [">", inner, "> > " + self.sentence()]
        if rng.random() < 0.05:
            out += [">"] + self.table(quoted=True)
        return out

    def fields(self) -> list[str]:
        rng = self.rng
        out = []
        for _ in range(rng.randint(1, 5)):
            key = rng.choice(FIELD_KEYS)
            r = rng.random()
            value = self.link(plain=True) if r < 0.7 else rng.choice(
                ["low", "high", "arXiv:2106.09685", "2025-03-04", "draft", "средний"])
            prefix = rng.choice(["", "", "", "- ", "**"])
            out.append(f"**{key}**:: {value}" if prefix == "**" else f"{prefix}{key}:: {value}")
            self.c["fields"] += 1
        return out

    def code(self) -> list[str]:
        rng = self.rng
        fence = rng.choice(["```", "```", "~~~"])
        lang = rng.choice(CODE_LANGS)
        self.c["code_blocks"] += 1
        body = []
        if lang == "dataview":
            body = ["TABLE risk, method", 'FROM #peft AND "methods"', "WHERE contains(risk, [[LoRA]])"]
        elif lang == "yaml":
            body = ["lora:", f"  r: {rng.choice([8, 16])}", "  target_modules: [q_proj, v_proj]",
                    "  # see [[Not a link in yaml]] #notatag"]
        elif lang == "json":
            body = ['{', f'  "lr": {rng.choice(LRS)},', '  "note": "[[Nope]] #nope ^nope"', '}']
        else:
            body = [f"# see [[{rng.choice(['AlsoNotALink', 'Fake link', 'LoRA'])}]] #alsonot",
                    "from peft import LoraConfig",
                    f"config = LoraConfig(r={rng.choice([8, 16, 32])}, lora_alpha=32)",
                    'x = "[[Nope]]"  # [^1] is not a footnote here',
                    "> [!warning] not a callout inside code",
                    "| not | a table |",
                    "risk:: [[Not a field]]"][:rng.randint(3, 7)]
        if rng.random() < 0.08:
            self.c["indented_code"] += 1
            return ["    " + line for line in body]
        return [fence + lang] + body + [fence]

    def footnote_defs(self) -> list[str]:
        rng = self.rng
        out = []
        for label in self.footnotes:
            if rng.random() < 0.03:
                continue  # a reference without definition, as in real notes
            r = rng.random()
            if r < 0.65:
                src = self.link(plain=True)
                out.append(f"[^{label}]: {src} — {rng.choice(AUTHORS)} et al. {rng.randint(2019, 2025)}, "
                           f"arXiv:{rng.randint(2101, 2412)}.{rng.randint(10000, 19999)}")
            elif r < 0.9:
                out.append(f"[^{label}]: {rng.choice(AUTHORS)} et al. {rng.randint(2019, 2025)}, "
                           f"https://arxiv.org/abs/{rng.randint(2101, 2412)}.{rng.randint(10000, 19999)}")
            else:
                out.append(f"[^{label}]: {self.sentence()}")
            self.c["footnote_defs"] += 1
        if out and rng.random() < 0.1:
            out.append(f"[^unused]: {self.link(plain=True)}")
        return out

    # ---- whole notes -------------------------------------------------------------------------
