// The graph around an answer, drawn as SVG in columns: question concepts (and the broader concepts inherited
// answers come from) → claims → notes → sources; clicking a note brings in the notes it links to.
"use strict";

(function () {
  const SVG = "http://www.w3.org/2000/svg";
  const COLUMNS = {concept: 0, broader: 0, claim: 1, note: 2, source: 3, linked: 4};
  const COLUMN_TITLES = ["concepts", "claims", "notes", "sources", "linked notes"];
  const X0 = 20, COL_W = 230, ROW_H = 30, TOP = 40, LABEL = 30;
  const el = (...args) => window.kg.el(...args);
  const state = {nodes: new Map(), edges: [], selected: null, expanded: new Set()};

  function svg(tag, attrs, text) {
    const node = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
    if (text !== undefined) node.textContent = text;
    return node;
  }
  const short = (t, n) => (t.length > n ? t.slice(0, n - 1) + "…" : t);

  function node(id, kind, label, data) {
    if (!state.nodes.has(id)) state.nodes.set(id, {id, kind, label, data: data || {}});
    return state.nodes.get(id);
  }
  function edge(from, to, kind) {
    if (!state.edges.some(e => e.from === from && e.to === to)) state.edges.push({from, to, kind: kind || ""});
  }
  const noteName = p => p.replace(/^.*\//, "").replace(/\.md$/i, "");

  function claim(id, text, role, citations, sources, parents) {
    node(id, "claim", (role ? role + ": " : "") + text, {text, role, citations});
    for (const p of parents) edge(p, id);
    for (const c of citations) {
      const note = "note:" + c.path;
      node(note, "note", noteName(c.path), {path: c.path});
      edge(id, note, "cited in");
      for (const s of sources || []) {
        node("source:" + s, "source", s, {text: s});
        edge(note, "source:" + s, "cites");
      }
    }
  }

  // question concepts → claims → notes → sources, from the CLI's JSON of ask, why or compare
  function build(result) {
    state.nodes.clear(); state.edges = []; state.selected = null; state.expanded.clear();
    const concepts = (result.entities || []).map(e => node("concept:" + e.label, "concept", e.label, {label: e.label, id: e.id}).id);
    for (const m of result.methods || []) concepts.push(node("concept:" + m, "concept", m, {label: m}).id);
    (result.answers || []).forEach((a, i) => {
      let parents = concepts;
      if (a.inherited_from) {
        const broader = node("concept:" + a.inherited_from, "broader", a.inherited_from, {label: a.inherited_from}).id;
        for (const c of concepts) edge(c, broader, "broader");
        parents = [broader];
      } else {
        const named = concepts.filter(c => a.text.toLowerCase().includes(state.nodes.get(c).label.toLowerCase()));
        parents = named.length ? named : concepts;
      }
      claim("answer:" + i, a.text, a.role, a.citations, a.sources, parents);
    });
    (result.paths || []).forEach((p, i) => p.steps.forEach((s, j) => {
      const from = node("concept:" + s.from, "concept", s.from, {label: s.from}).id;
      const to = node("concept:" + s.to, "concept", s.to, {label: s.to}).id;
      claim("step:" + i + ":" + j, s.text, s.relation, s.citations, [], [from]);
      edge(from, to, s.relation);
    }));
    for (const r of (result.comparison || result).rows || []) {
      for (const [m, items] of Object.entries(r.cells)) {
        items.slice(0, 2).forEach((item, k) => claim("cell:" + r.aspect + ":" + m + ":" + k, item.text, r.aspect,
          item.citations.slice(0, 1), [], [node("concept:" + m, "concept", m, {label: m}).id]));
      }
    }
    draw();
  }

  function layout() {
    const rows = [0, 0, 0, 0, 0];
    for (const n of state.nodes.values()) {
      const col = COLUMNS[n.kind];
      n.x = X0 + col * COL_W;
      n.y = TOP + rows[col]++ * ROW_H;
    }
    return Math.max(...rows);
  }

  function draw() {
    const root = document.getElementById("graph");
    const most = layout();
    const used = Math.max(...[...state.nodes.values()].map(n => COLUMNS[n.kind]), 3) + 1;
    const width = X0 + used * COL_W, height = TOP + Math.max(most, 1) * ROW_H + 10;
    root.setAttribute("viewBox", `0 0 ${width} ${height}`);  // scaled to the pane (CSS width 100%)
    root.replaceChildren();
    COLUMN_TITLES.slice(0, used).forEach((t, i) => root.append(svg("text", {x: X0 + i * COL_W, y: 20, class: "column"}, t)));
    const near = neighbours(state.selected);
    for (const e of state.edges) {
      const a = state.nodes.get(e.from), b = state.nodes.get(e.to);
      if (!a || !b) continue;
      const x1 = a.x + 8, x2 = b.x - 8 < x1 ? b.x + 8 : b.x - 8, mid = (x1 + x2) / 2;
      const on = !state.selected || (near.has(e.from) && near.has(e.to));
      root.append(svg("path", {d: `M${x1},${a.y} C${mid},${a.y} ${mid},${b.y} ${x2},${b.y}`,
        class: "edge " + e.kind.replace(/\W+/g, "-") + (on ? "" : " dim")}, undefined));
    }
    for (const n of state.nodes.values()) {
      const on = !state.selected || near.has(n.id);
      const g = svg("g", {class: "node " + n.kind + (n.id === state.selected ? " selected" : "") + (on ? "" : " dim"),
        "data-kind": n.kind, "data-id": n.id, transform: `translate(${n.x},${n.y})`, tabindex: "0"});
      g.append(svg("title", {}, n.label), svg("circle", {r: 7}), svg("text", {x: 12, y: 4}, short(n.label, LABEL)));
      g.addEventListener("click", () => select(n.id));
      g.addEventListener("keydown", e => { if (e.key === "Enter") select(n.id); });
      root.append(g);
    }
  }

  function neighbours(id) {
    const out = new Set(id ? [id] : []);
    for (const e of state.edges) {
      if (e.from === id) out.add(e.to);
      if (e.to === id) out.add(e.from);
    }
    return out;
  }

  async function select(id) {
    const n = state.nodes.get(id);
    state.selected = id;
    draw();
    const detail = document.getElementById("detail");
    const head = el("h3", {class: "node-title", "data-kind": n.kind}, n.kind + ": " + n.label);
    if (n.kind === "concept" || n.kind === "broader") {
      const label = n.data.label;
      detail.replaceChildren(head, el("button", {type: "button", class: "ask-about", onclick: () => window.kg.ask(label)}, "Ask about " + label));
    } else if (n.kind === "claim") {
      detail.replaceChildren(head);
      if (n.data.citations.length) window.kg.showContext(n.data.citations[0]);
    } else if (n.kind === "note" || n.kind === "linked") {
      detail.replaceChildren(head, el("p", {}, el("a", {class: "cite", href: window.kg.obsidianHref(n.data.path)}, n.data.path)));
      await expand(n, detail);
    } else {
      const url = /^https?:\/\//.test(n.label) ? el("a", {href: n.label, rel: "noopener noreferrer", target: "_blank"}, n.label) : n.label;
      detail.replaceChildren(head, el("p", {}, url));
    }
  }

  // a note's record (kg show): its sections, and the notes it links to, added to the picture
  async function expand(n, detail) {
    try {
      const note = await window.kg.api("show", {note: n.data.path});
      const targets = [...new Set(note.links.map(l => l.resolved).filter(t => t && t.toLowerCase().endsWith(".md") && t !== n.data.path))];
      detail.append(el("p", {class: "note-facts"}, `${note.line_count} lines · ${note.sections.length} sections · ${note.links.length} links · ${targets.length} notes linked`),
        el("ul", {class: "sections"}, note.sections.slice(0, 12).map(s => el("li", {}, s.line + ": " + s.path.join(" › ")))));
      if (!state.expanded.has(n.id)) {
        state.expanded.add(n.id);
        for (const t of targets.slice(0, 20)) {
          const id = state.nodes.has("note:" + t) ? "note:" + t : node("linked:" + t, "linked", noteName(t), {path: t}).id;
          edge(n.id, id, "links to");
        }
        draw();
      }
    } catch (err) {
      detail.append(el("p", {class: "error"}, err.message));
    }
  }

  window.kgGraph = {build, state};
})();
