"""Whole generated notes: frontmatter, regular notes, chat exports, daily notes and folder indexes."""

from __future__ import annotations

import json
import re
import uuid

from vaultgen_words import (AUTHORS, BENCHES, CHAT_H_EN, CHAT_H_RU, CHAT_Q_EN, CHAT_Q_RU, CONCEPTS, CONCEPTS_RU, GPUS,
                            GPUS_RU, HEADINGS_EN, HEADINGS_RU, SIZES)
from vaultgen_blocks import Blocks

_YAML_PLAIN = re.compile(r"^[^\s\-?:,\[\]{}#&*!|>'\"%@`][^:#]*(?<!\s)$")


class Writer(Blocks):
    """Text of one note: the pieces assembled by kind of note."""

    def frontmatter(self) -> list[str]:
        rng, p = self.rng, self.p
        self.c["frontmatter"] += 1
        footnotes = self.footnotes
        self.footnotes = None  # no footnote references inside YAML
        out = ["---"]
        if rng.random() < 0.3:
            out.append(f"title: {yaml_scalar(p.title)}")
        if rng.random() < 0.5:
            out.append(f"type: {rng.choice(['method', 'concept', 'analysis', 'paper', 'summary'])}")
        if p.aliases:
            style = rng.random()
            if style < 0.5:
                out.append("aliases: [" + ", ".join(yaml_scalar(a) for a in p.aliases) + "]")
            elif style < 0.8:
                out.append("aliases:")
                out += [f"  - {yaml_scalar(a)}" for a in p.aliases]
            else:
                out.append(f"aliases: {yaml_scalar(', '.join(p.aliases))}")
            self.c["fm_aliases"] += 1
        if rng.random() < 0.85:
            tags = list(dict.fromkeys(self.tag() for _ in range(rng.randint(1, 4))))
            style = rng.random()
            if style < 0.45:
                out.append("tags:")
                out += [f"  - {t}" if rng.random() < 0.9 else f'  - "#{t}"' for t in tags]
                self.c["fm_tags_list"] += 1
            elif style < 0.75:
                out.append("tags: [" + ", ".join(tags) + "]")
                self.c["fm_tags_list"] += 1
            elif style < 0.9:
                out.append(f"tags: {', '.join(tags)}")
                self.c["fm_tags_string"] += 1
            else:
                out.append(f'tags: "{" ".join("#" + t for t in tags)}"')
                self.c["fm_tags_string"] += 1
        if rng.random() < 0.6:
            out.append(f"created: 20{rng.randint(23, 25)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}")
        if rng.random() < 0.35:
            out.append(f"updated: 2025-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}T"
                       f"{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:00")
        if rng.random() < 0.25:
            out.append(f"related: \"{self.link(plain=True)}\"")
            self.c["fm_links"] += 1
        if rng.random() < 0.1:
            out.append("links:")
            out += [f'  - "{self.link(plain=True)}"' for _ in range(rng.randint(1, 3))]
            self.c["fm_links"] += 1
        if rng.random() < 0.15:
            out.append(f"source: \"{rng.choice(AUTHORS)} et al. {rng.randint(2019, 2025)}, "
                       f"arXiv:{rng.randint(2101, 2412)}.{rng.randint(10000, 19999)}\"")
        if rng.random() < 0.1:
            out.append(f"rating: {rng.randint(1, 5)}")
        if rng.random() < 0.06:
            key = rng.choice(["Receptor", "summary", "Конспект", "abstract"])
            out.append(f"{key}: |-")
            for _ in range(rng.randint(20, 300)):
                r = rng.random()
                if r < 0.1:
                    out.append("")
                elif r < 0.15:
                    out.append(f"  ### {rng.choice(HEADINGS_RU if self.ru else HEADINGS_EN).format(m='DPO', b='MMLU')}")
                elif r < 0.2:
                    out.append(f"  - {self.sentence()}")
                else:
                    out.append("  " + self.sentence())
            self.c["fm_block_scalars"] += 1
        if rng.random() < 0.1:
            out.append("cssclasses: [wide]")
        if len(out) == 1:
            out.append(f"status: {rng.choice(['draft', 'verified', 'todo'])}")
        out.append("---")
        self.footnotes = footnotes
        return out

    def regular(self) -> list[str]:
        rng, p = self.rng, self.p
        out = self.out
        if p.frontmatter:
            out += self.frontmatter()
        if rng.random() < 0.6:
            out.append(f"# {p.title}")
            self.c["h1"] += 1
            out.append("")
        if rng.random() < 0.3:
            out.append(" ".join("#" + self.tag() for _ in range(rng.randint(1, 4))))
            out.append("")
            self.c["inline_tags"] += 1
        headings = list(p.headings)
        prev = "heading"
        level = 2
        while len(out) < p.lines or headings:
            if headings and (rng.random() < 0.2 or len(out) >= p.lines or prev == "start"):
                out.append(f"## {headings.pop(0)}")
                self.c["h2"] += 1
                out.append("")
                level, prev = 2, "heading"
                continue
            r = rng.random()
            if r < 0.06 and level < 4:
                level += 1
                h = rng.choice(HEADINGS_RU if self.ru else HEADINGS_EN).format(m=self.method(), b=rng.choice(BENCHES))
                out.append(f"{'#' * level} {h}")
                self.c[f"h{level}"] += 1
                block, kind = [], "heading"
            elif r < 0.08 and level > 2:
                level = 2
                h = rng.choice(HEADINGS_RU if self.ru else HEADINGS_EN).format(m=self.method(), b=rng.choice(BENCHES))
                out.append(f"## {h}")
                self.c["h2"] += 1
                block, kind = [], "heading"
            elif r < 0.45:
                block, kind = self.paragraph(), "para"
            elif r < 0.62:
                block, kind = self.bullet_list(), "list"
            elif r < 0.68:
                block, kind = self.table(), "table"
            elif r < 0.76:
                block, kind = self.callout(), "callout"
            elif r < 0.81:
                block, kind = self.fields(), "fields"
            elif r < 0.85:
                block, kind = self.code(), "code"
                if block[0].startswith("    ") and prev not in ("para", "heading"):
                    block = ["```"] + [b[4:] for b in block] + ["```"]
            elif r < 0.87:
                block, kind = [rng.choice(["---", "***", "- - -"])], "hr"
            elif r < 0.89:
                block, kind = ["$$", "\\mathcal{L}_{DPO} = -\\log \\sigma(\\beta \\Delta)", "$$"], "math"
            elif r < 0.9:
                block, kind = [f"<!-- TODO: {self.sentence()} -->"], "html"
            elif r < 0.92:
                embed = self.link() if rng.random() < 0.5 else f"![[{rng.choice(self.ctx.images)}|300]]"
                block, kind = [embed], "embed"
            else:
                block, kind = self.paragraph(), "para"
            out += block
            out.append("")
            prev = kind
        while self.blocks_left:
            out += [self.sentence() + self.maybe_block_id(1.0), ""]
        defs = self.footnote_defs()
        if defs:
            out += [f"#### {'Источники' if self.ru else 'Sources'}", ""] + defs + [""]
            self.c["h4"] += 1
        return out

    def chat(self) -> list[str]:
        rng, p = self.rng, self.p
        out = self.out
        self.footnotes = None  # chat exports carry citations like 【3†L12-L19】, not footnotes
        if p.frontmatter:
            out += self.frontmatter()
        day, month = rng.randint(1, 28), rng.randint(5, 8)
        hour, minute = rng.randint(8, 22), rng.randint(0, 59)
        questions = CHAT_Q_RU if self.ru else CHAT_Q_EN
        user, agent = ("User", "Assistant") if rng.random() < 0.8 else ("Пользователь", "Ассистент")
        while len(out) < p.lines:
            stamp = f"{day:02d}.{month:02d}.2025 at {hour:02d}:{minute:02d}"
            q = rng.choice(questions).format(m=self.method(), m2=self.method(), s=rng.choice(SIZES),
                                             n=rng.randint(1, 50), c=rng.choice(CONCEPTS_RU if self.ru else CONCEPTS),
                                             g=rng.choice(GPUS_RU if self.ru else GPUS))
            out += [f">[!nexus_user] **{user}** - {stamp}", "> " + q]
            if rng.random() < 0.3:
                out.append("> " + self.sentence())
            out += [f"<!-- UID: {uuid.UUID(int=rng.getrandbits(128), version=4)} -->", "", "", "", ""]
            minute += rng.randint(1, 3)
            if minute >= 60:
                hour, minute = hour + 1, minute - 60
            stamp = f"{day:02d}.{month:02d}.2025 at {hour:02d}:{minute:02d}"
            out += [f">[!nexus_agent] **{agent}** - {stamp}", "> " + self.sentence()]
            self.c["chat_messages"] += 2
            heads = CHAT_H_RU if self.ru else CHAT_H_EN
            planned, self.p_heads_done = ([] if getattr(self, "p_heads_done", False) else list(p.headings)), True
            for k in range(max(len(planned), rng.randint(1, 4))):
                head = planned[k] if k < len(planned) else rng.choice(heads)
                out += [">", f"> {rng.choice(['###', '###', '####'])} {head}"]
                for _ in range(rng.randint(1, 5)):
                    cite = f"【{rng.randint(1, 20)}†L{rng.randint(1, 40)}-L{rng.randint(41, 80)}】" \
                        if rng.random() < 0.3 else ""
                    text = self.sentence()
                    out.append(f"> - {text[:-1]}{cite}." if text.endswith(".") else f"> - {text}{cite}")
                if rng.random() < 0.25:
                    out += [">"] + self.table(quoted=True)
            if rng.random() < 0.5:
                first, second = self.link(), self.link()
                out += [">", f"> {'Подробнее' if self.ru else 'More'}: {first} {'и' if self.ru else 'and'} {second}."]
            out += [f"<!-- UID: {uuid.UUID(int=rng.getrandbits(128), version=4)} -->", "", "", "", ""]
            minute += rng.randint(5, 20)
            if minute >= 60:
                hour, minute = min(23, hour + 1), minute - 60
        return out

    def daily(self) -> list[str]:
        rng = self.rng
        out = self.out
        if self.p.frontmatter:
            out += ["---", f"date: {self.p.title}", "tags: [daily]", "---"]
            self.c["frontmatter"] += 1
        out += [f"# {self.p.title}", ""]
        while len(out) < self.p.lines:
            task = rng.choice(["- [ ] ", "- [x] ", "- "])
            out.append(f"{task}{'Прочитать' if self.ru else 'Read'} {self.link()} #{self.tag()}")
        out.append("")
        return out

    def index(self) -> list[str]:
        rng = self.rng
        out = self.out
        out += [f"# {self.p.title}", ""]
        for h in self.p.headings[:3] or ["Notes"]:
            out += [f"## {h}", ""]
            self.c["h2"] += 1
            for _ in range(rng.randint(5, 25)):
                out.append(f"- {self.link(plain=True)}")
            out.append("")
        return out

    def text(self) -> str:
        kind = self.p.kind
        if kind == "empty":
            return ""
        lines = {"chat": self.chat, "daily": self.daily, "index": self.index}.get(kind, self.regular)()
        return "\n".join(lines).rstrip("\n") + "\n"


def yaml_scalar(s: str) -> str:
    return s if _YAML_PLAIN.match(s) and s.lower() not in ("yes", "no", "true", "false", "null", "on", "off") \
        else json.dumps(s, ensure_ascii=False)
