// kg serve's page: questions, answers by role with citations, comparisons, why-paths, status.
// Every text from the vault is put in with textContent: a note cannot inject markup into the page.
"use strict";

const KG = {
  token: new URLSearchParams(location.search).get("token") || "",
  prefix: "obsidian://open?file=",
  result: null,
};
const ROLE_TITLES = {problem: "Problem", consequence: "Consequences", risk: "Risks", solution: "Solutions",
  evidence: "Evidence", cost: "Cost", definition: "Definition", comparison: "Comparison",
  claim: "What the notes say", context: "Note metadata"};
const ROLE_ORDER = Object.keys(ROLE_TITLES);

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === "class") node.className = v;
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return node;
}

async function api(route, params) {
  const query = new URLSearchParams(params || []);
  const headers = KG.token ? {Authorization: "Bearer " + KG.token} : {};
  const response = await fetch("/api/" + route + "?" + query.toString(), {headers});
  const data = await response.json().catch(() => ({error: "the server sent no JSON (" + response.status + ")"}));
  if (!response.ok) throw new Error(data.error || ("error " + response.status));
  return data;
}

// The same quoting as the CLI's writer (Python's quote(file, safe="")): encodeURIComponent leaves !'()* as they are.
function obsidianHref(path) {
  const file = path.toLowerCase().endsWith(".md") ? path.slice(0, -3) : path;
  return KG.prefix + encodeURIComponent(file).replace(/[!'()*]/g, c => "%" + c.charCodeAt(0).toString(16).toUpperCase());
}

function where(c) {
  return c.path + ":" + c.line + (c.end_line !== c.line ? "-" + c.end_line : "");
}

function citation(c) {
  return el("span", {class: "citation"},
    el("a", {class: "cite", href: obsidianHref(c.path), title: "open in Obsidian"}, where(c)),
    c.heading ? el("span", {class: "heading"}, " § " + c.heading) : null,
    el("button", {type: "button", class: "ctx", title: "show the cited lines", onclick: () => showContext(c)}, "lines"));
}

function say(text, kind) {
  const box = document.getElementById("message");
  box.textContent = text || "";
  box.className = kind || "";
}

// --- the cited lines in context -------------------------------------------------------------------------

async function showContext(c) {
  const detail = document.getElementById("detail");
  detail.replaceChildren(el("p", {class: "hint"}, "reading " + where(c) + " …"));
  try {
    const data = await api("context", {path: c.path, line: c.line, end: c.end_line});
    const lines = data.lines.map(l => el("div", {class: "line" + (l.line >= data.line && l.line <= data.end_line ? " hit" : "")},
      el("span", {class: "no"}, String(l.line)), el("span", {class: "text"}, l.text || " ")));
    detail.replaceChildren(el("h3", {}, el("a", {class: "cite", href: obsidianHref(data.path)}, where(data))),
      c.heading ? el("p", {class: "heading"}, "§ " + c.heading) : null, el("div", {class: "context", id: "context"}, lines));
  } catch (err) {
    detail.replaceChildren(el("p", {class: "error"}, err.message));
  }
}

// --- answers ------------------------------------------------------------------------------------------------

function renderAnswers(result) {
  const box = document.getElementById("answers");
  const groups = new Map();
  for (const a of result.answers) {
    if (!groups.has(a.role)) groups.set(a.role, []);
    groups.get(a.role).push(a);
  }
  const roles = [...groups.keys()].sort((x, y) => (ROLE_ORDER.indexOf(x) + 99) % 99 - (ROLE_ORDER.indexOf(y) + 99) % 99);
  box.replaceChildren(...roles.map(role => el("section", {class: "role-group", "data-role": role},
    el("h2", {}, ROLE_TITLES[role] || role),
    el("ul", {}, groups.get(role).map(a => el("li", {class: "answer"},
      el("p", {class: "text"}, a.text, a.inherited_from ? el("span", {class: "mark"}, " inherited from " + a.inherited_from) : null),
      el("div", {class: "citations"}, a.citations.map(citation)),
      a.sources.length ? el("p", {class: "sources"}, "sources: " + a.sources.slice(0, 6).join(", ")) : null))))));
  if (!result.answers.length && !result.comparison && !(result.paths || []).length)
    box.replaceChildren(el("p", {class: "empty"}, "Nothing in the vault answers this: no passage is about these concepts or close enough in meaning."));
}

function renderComparison(table) {
  const box = document.getElementById("comparison");
  if (!table) return box.replaceChildren();
  const head = el("tr", {}, el("th", {}, "aspect"), table.methods.map(m => el("th", {}, m)));
  const rows = table.rows.map(r => el("tr", {}, el("th", {class: "aspect"}, r.aspect), table.methods.map(m => {
    const items = r.cells[m] || [];
    if (!items.length) return el("td", {class: "none"}, "—");
    return el("td", {}, el("ul", {}, items.slice(0, 4).map(i => el("li", {},
      i.direction ? el("span", {class: "dir " + i.direction}, i.direction === "improves" ? "↑ " : "↓ ") : null,
      i.text, i.inherited_from ? el("span", {class: "mark"}, " (" + i.inherited_from + ")") : null,
      el("div", {class: "citations"}, i.citations.slice(0, 2).map(citation)))),
      items.length > 4 ? el("li", {class: "more"}, "… " + (items.length - 4) + " more") : null));
  })));
  box.replaceChildren(el("h2", {}, "Comparison"), el("table", {class: "comparison"}, el("thead", {}, head), el("tbody", {}, rows)));
}

function renderPaths(paths, explanation) {
  const box = document.getElementById("paths");
  if (!paths || !paths.length) {
    return box.replaceChildren(explanation && explanation.message ? el("p", {class: "empty"}, explanation.message) : "");
  }
  const step = s => el("li", {class: "step"},
    el("span", {class: "rel"}, s.from + " —" + s.relation + "→ " + s.to), " ", el("q", {}, s.text),
    el("div", {class: "citations"}, s.citations.map(citation)));
  const path = p => el("li", {class: "path"},
    el("p", {class: "chain"}, [p.steps[0].from, ...p.steps.map(s => s.to)].join(" → ")),
    el("ul", {}, p.steps.map(step)));
  box.replaceChildren(el("h2", {}, "Why: paths through the vault"), el("ol", {class: "paths"}, paths.map(path)));
}

function render(result, mode) {
  KG.result = result;
  document.getElementById("tabs").hidden = false;
  const concepts = (result.entities || []).map(e => e.label).join(", ");
  document.getElementById("summary").textContent = result.question
    ? result.question + " · intent: " + result.intent + " · concepts: " + (concepts || "none recognised")
    : mode + ": " + (result.methods || [result.from, result.to]).join(", ");
  renderComparison(result.comparison || (result.rows ? result : null));
  renderPaths(result.paths, result);
  renderAnswers({answers: result.answers || [], comparison: result.comparison || result.rows, paths: result.paths});
  if (window.kgGraph) window.kgGraph.build(result);
}

async function run(mode, text) {
  text = text.trim();
  if (!text) return say("type a question", "error");
  say("…", "busy");
  const parts = text.split(/\s*(?:,|;| vs\.? | и | and )\s*/i).filter(Boolean);
  let route, params;
  if (mode === "why") { route = "why"; params = [["a", parts[0]], ["b", parts[parts.length - 1]]]; }
  else if (mode === "compare") { route = "compare"; params = parts.map(m => ["m", m]); }
  else { route = mode; params = [["q", text], ["top", "8"]]; }
  if ((mode === "why" || mode === "compare") && parts.length < 2) return say("name two concepts: A, B", "error");
  try {
    const result = await api(route, params);
    say("");
    render(result, mode);
  } catch (err) {
    say(err.message, "error");
  }
}

// --- status ---------------------------------------------------------------------------------------------------

async function showStatus() {
  const cards = document.getElementById("status-cards"), lists = document.getElementById("status-lists");
  try {
    const s = await api("status");
    const card = (label, value, cls) => el("div", {class: "card " + (cls || "")}, el("b", {}, String(value)), el("span", {}, label));
    cards.replaceChildren(card("notes", s.notes), card("parsed", s.parsed), card("with warnings", s.with_warnings),
      card("stale", s.stale.length + s.new.length + s.deleted.length, s.stale.length + s.new.length ? "warn" : ""),
      card("skipped", s.skipped, s.skipped ? "warn" : ""), card("failed", s.failed, s.failed ? "bad" : ""),
      card("passages", s.search.passages), card("unresolved links", s.unresolved_links.length),
      card("indexed", s.seconds_since_index === null ? "never" : Math.round(s.seconds_since_index) + " s ago"));
    const list = (title, rows, fmt) => rows.length ? el("section", {class: "status-list", "data-list": title},
      el("h3", {}, title + " (" + rows.length + ")"), el("ul", {}, rows.slice(0, 200).map(r => el("li", {}, fmt(r))))) : null;
    lists.replaceChildren(el("p", {}, "model: " + (s.search.model || "none (BM25 and the graph only)")),
      list("stale (changed since the index)", s.stale, p => p), list("new", s.new, p => p), list("deleted", s.deleted, p => p),
      list("failed or skipped, with the reason", s.problems, r => el("span", {}, el("code", {}, r.path), " " + r.status + ": " + (r.reason || ""))),
      list("encoding repairs", s.repairs, r => el("span", {}, el("code", {}, r.path), " " + (r.detail || r.kind || ""))),
      list("unresolved links", s.unresolved_links, r => el("span", {}, el("code", {}, r.source + ":" + r.line), " " + r.raw)));
  } catch (err) {
    cards.replaceChildren(el("p", {class: "error"}, err.message));
  }
}

// --- views ----------------------------------------------------------------------------------------------------

function showView(view, push) {
  document.getElementById("ask-view").hidden = view !== "ask";
  document.getElementById("status-view").hidden = view !== "status";
  for (const a of document.querySelectorAll("nav a")) a.classList.toggle("active", a.dataset.view === view);
  if (push) history.pushState({view}, "", (view === "status" ? "/status" : "/") + (KG.token ? "?token=" + encodeURIComponent(KG.token) : ""));
  if (view === "status") showStatus();
}

function showTab(tab) {
  document.getElementById("answers-pane").hidden = tab !== "answers";
  document.getElementById("graph-pane").hidden = tab !== "graph";
  for (const b of document.querySelectorAll("#tabs button")) b.classList.toggle("active", b.dataset.tab === tab);
}

function askAbout(question) {
  document.getElementById("mode").value = "ask";
  document.getElementById("q").value = question;
  showTab("answers");
  run("ask", question);
}

window.kg = {el, api, obsidianHref, showContext, ask: askAbout};

document.addEventListener("DOMContentLoaded", async () => {
  document.getElementById("ask-form").addEventListener("submit", e => {
    e.preventDefault();
    run(document.getElementById("mode").value, document.getElementById("q").value);
  });
  for (const a of document.querySelectorAll("nav a")) a.addEventListener("click", e => { e.preventDefault(); showView(a.dataset.view, true); });
  for (const b of document.querySelectorAll("#tabs button")) b.addEventListener("click", () => showTab(b.dataset.tab));
  window.addEventListener("popstate", () => showView(location.pathname === "/status" ? "status" : "ask", false));
  showView(location.pathname === "/status" ? "status" : "ask", false);
  try {
    const info = await api("info");
    KG.prefix = info.obsidian_prefix;
    document.getElementById("vault-name").textContent = info.vault;
    document.body.dataset.ready = "1";
  } catch (err) {
    say(err.message, "error");
  }
});
