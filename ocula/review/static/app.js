// Ocula review: the page. Plain JavaScript, no build step; every request goes to the local `ocula review` server.
"use strict";

const token = new URLSearchParams(location.search).get("token") || "";
const S = { session: null, queue: [], doc: null, page: 0, selected: null, text: {}, checkTimer: null, checkSeq: 0 };
const $ = (id) => document.getElementById(id);

// --- requests ------------------------------------------------------------------------------------
async function api(method, path, body) {
  const options = { method, headers: { "X-Ocula-Token": token } };
  if (body !== undefined) {
    options.headers["Content-Type"] = "application/json";
    options.body = JSON.stringify(body);
  }
  const response = await fetch(path, options);
  const data = await response.json().catch(() => ({ error: response.statusText }));
  if (!response.ok) throw Object.assign(new Error(data.error || response.statusText), { status: response.status, data });
  return data;
}
const docUrl = (suffix = "") => `/api/docs/${S.doc.id}${suffix}`;

function say(text, error = false) {
  const m = $("message");
  m.textContent = text;
  m.className = error ? "error" : "";
}

// a schema given as path/file.py:Class or module:Class is shown by its class name
const schemaLabel = (name) => (name.includes(":") ? name.slice(name.lastIndexOf(":") + 1) : name);
const shown = (value, state) =>
  value === null || value === undefined ? (state === "absent" ? "— absent —" : "— empty —") : String(value);
const percent = (c) => (c === null || c === undefined ? "–" : `${Math.round(c * 100)}%`);

// --- queue ---------------------------------------------------------------------------------------
async function loadQueue() {
  const q = new URLSearchParams({ token });
  if ($("filter-status").value) q.set("status", $("filter-status").value);
  if ($("filter-below").value) q.set("below", $("filter-below").value);
  if ($("filter-schema").value) q.set("schema", $("filter-schema").value);
  if ($("filter-pending").checked) q.set("pending", "1");
  S.queue = await api("GET", `/api/queue?${q}`);
  renderQueue();
}

function renderQueue() {
  const list = $("queue");
  list.replaceChildren();
  for (const entry of S.queue) {
    const li = document.createElement("li");
    li.dataset.id = entry.id;
    li.className = (entry.done ? "done " : "") + (S.doc && S.doc.id === entry.id ? "current" : "");
    const name = Object.assign(document.createElement("span"), { className: "qname", textContent: entry.name });
    const conf = Object.assign(document.createElement("span"), { textContent: percent(entry.confidence) });
    const meta = Object.assign(document.createElement("span"), {
      className: "qmeta",
      textContent: `${entry.status} · ${schemaLabel(entry.schema)}${entry.changes ? ` · ${entry.changes} change(s)` : ""}`,
    });
    li.append(name, conf, meta);
    li.addEventListener("click", () => openDoc(entry.id));
    list.append(li);
  }
  const done = S.queue.filter((e) => e.done).length;
  $("progress").textContent = `${done} / ${S.queue.length} done`;
}

// --- document ------------------------------------------------------------------------------------
async function openDoc(id, keepSelection = false) {
  const doc = await api("GET", `/api/docs/${id}?token=${encodeURIComponent(token)}`);
  const sameDoc = S.doc && S.doc.id === doc.id;
  S.doc = doc;
  if (!sameDoc) {
    S.text = {};
    S.page = 0;
    if (!keepSelection) S.selected = null;
  }
  history.replaceState(null, "", `#doc=${doc.id}`);
  if (!S.selected || !fieldOf(S.selected)) S.selected = doc.fields.length ? doc.fields[0].path : null;
  renderDoc();
  const f = fieldOf(S.selected);
  if (f && f.page !== null && f.page !== S.page && f.page < doc.pages.length) showPage(f.page);
  else showPage(Math.min(S.page, Math.max(doc.pages.length - 1, 0)));
  renderQueue();
  renderEditor();
}

const fieldOf = (path) => (S.doc ? S.doc.fields.find((f) => f.path === path) : undefined);

function renderDoc() {
  const d = S.doc;
  $("doc-name").textContent = d.name;
  const info = $("doc-info");
  info.replaceChildren();
  const line = document.createElement("div");
  line.textContent = `${d.status} · schema ${schemaLabel(d.schema)} · lowest confidence ${percent(d.confidence)}${d.done ? " · done" : ""}`;
  line.title = d.schema;
  info.append(line);
  if (d.error) info.append(Object.assign(document.createElement("div"), { className: "error", textContent: d.error }));
  renderFields();
  renderBoxes();
  const lists = $("lists");
  lists.replaceChildren();
  for (const path of d.lists) {
    const b = Object.assign(document.createElement("button"), { type: "button", textContent: `+ item in ${path}` });
    b.dataset.list = path;
    b.addEventListener("click", () => addItem(path));
    lists.append(b);
  }
  const errors = $("doc-errors");
  errors.replaceChildren(
    ...d.errors.map((e) => Object.assign(document.createElement("li"), { textContent: `${e.path}: ${e.message}` })),
  );
  $("undo").disabled = !d.can_undo;
}

function renderFields() {
  const list = $("fields");
  list.replaceChildren();
  for (const f of S.doc.fields) {
    const li = document.createElement("li");
    li.className = "field" + (f.path === S.selected ? " selected" : "");
    li.dataset.path = f.path;
    li.style.borderLeftColor = colour(f);
    const value = Object.assign(document.createElement("div"), {
      className: "fvalue" + (f.value === null ? " none" : ""),
      textContent: shown(f.value, f.state),
    });
    const meta = document.createElement("div");
    meta.className = "fmeta";
    const page = f.page === null ? "no box" : `page ${f.page + 1}`;
    for (const [cls, text] of [["fconf", percent(f.confidence)], ["fmech", f.source], ["fpage", page], ["fstate", f.state]]) {
      meta.append(Object.assign(document.createElement("span"), { className: cls, textContent: text }));
    }
    li.append(Object.assign(document.createElement("div"), { className: "fpath", textContent: f.path }), value, meta);
    if (f.error) li.append(Object.assign(document.createElement("div"), { className: "ferror", textContent: f.error }));
    li.addEventListener("click", () => select(f.path, true));
    list.append(li);
  }
}

// --- selecting and editing -----------------------------------------------------------------------
function select(path, zoom) {
  S.selected = path;
  const f = fieldOf(path);
  if (f && f.page !== null && f.page !== S.page && f.page < S.doc.pages.length) showPage(f.page);
  renderFields();
  renderBoxes();
  renderEditor();
  const row = document.querySelector(`#fields li[data-path="${CSS.escape(path)}"]`);
  if (row) row.scrollIntoView({ block: "nearest" });
  if (zoom && f && f.box && f.page === S.page) zoomTo(f.box);
}

function renderEditor() {
  const f = fieldOf(S.selected);
  const input = $("value-input");
  $("editor-path").textContent = f ? `${f.path} · ${f.source} · ${percent(f.confidence)} · ${f.state}` : "no field selected";
  input.disabled = !f;
  input.value = f && f.value !== null ? String(f.value) : "";
  const msg = $("value-msg");
  msg.textContent = f && f.error ? f.error : "";
  msg.className = f && f.error ? "error" : "";
  for (const id of ["accept", "save", "absent"]) $(id).disabled = !f;
}

function liveCheck() {
  clearTimeout(S.checkTimer);
  S.checkTimer = setTimeout(async () => {
    const f = fieldOf(S.selected);
    if (!f) return;
    const seq = ++S.checkSeq;
    const msg = $("value-msg");
    try {
      const out = await api("POST", docUrl("/check"), { path: f.path, value: $("value-input").value });
      if (seq !== S.checkSeq) return;
      msg.textContent = `valid: ${JSON.stringify(out.value)}`;
      msg.className = "ok";
    } catch (err) {
      if (seq !== S.checkSeq) return;
      msg.textContent = err.message;
      msg.className = "error";
    }
  }, 150);
}

async function change(url, body, after) {
  try {
    const out = await api("POST", url, body);
    S.doc = out.document;
    say(`${DONE_WORDS[out.change.action] || out.change.action}${out.change.path ? ` ${out.change.path}` : ""}`);
    if (after) after(out);
    renderDoc();
    renderEditor();
    loadQueue();
    return out;
  } catch (err) {
    if (err.data && err.data.path) {
      $("value-msg").textContent = err.message;
      $("value-msg").className = "error";
    }
    say(err.message, true);
    return null;
  }
}

const DONE_WORDS = { accept: "accepted", edit: "saved", pick: "picked", absent: "marked absent", add_item: "item added to",
  undo: "undone:", done: "document done" };

const correct = (action, extra = {}) =>
  S.selected ? change(docUrl("/fields"), { action, path: S.selected, ...extra }) : null;

async function acceptAndNext() {
  if (await correct("accept")) moveField(1, false);
}
const saveEdit = () => correct("edit", { value: $("value-input").value });
const absent = () => correct("absent");

async function pick(line, word, append) {
  if (!S.selected) return say("select a field first", true);
  const out = await correct("pick", { pick: { page: S.page, line, word, append } });
  if (out) {
    $("pick-mode").checked = false;
    renderOcr();
    renderBoxes();
  }
}

async function addItem(path) {
  const before = new Set(S.doc.fields.map((f) => f.path));
  await change(docUrl("/items"), { path }, (out) => {
    const added = out.document.fields.find((f) => !before.has(f.path));
    if (added) S.selected = added.path;
  });
  if (S.selected) select(S.selected, false);
}

const undo = () => change(docUrl("/undo"), {});

async function done() {
  if (!S.doc.done && !(await change(docUrl("/done"), {}))) return;
  await loadQueue();
  const order = S.queue.map((e) => e.id);
  const here = order.indexOf(S.doc.id);
  const next = S.queue.slice(here + 1).concat(S.queue.slice(0, Math.max(here, 0))).find((e) => !e.done);
  if (next) openDoc(next.id);
  else say("every document in the queue is done");
}

function moveField(step, zoom = true) {
  const fields = S.doc ? S.doc.fields : [];
  if (!fields.length) return;
  const i = fields.findIndex((f) => f.path === S.selected);
  const next = Math.max(0, Math.min(fields.length - 1, i + step));
  select(fields[next].path, zoom);
}

function moveDoc(step) {
  if (!S.queue.length) return;
  const i = S.queue.findIndex((e) => S.doc && e.id === S.doc.id);
  const next = S.queue[Math.max(0, Math.min(S.queue.length - 1, (i < 0 ? 0 : i) + step))];
  if (next) openDoc(next.id);
}

// --- keys ----------------------------------------------------------------------------------------
function onKey(event) {
  const input = $("value-input");
  if (document.activeElement === input) {
    if (event.key === "Enter") {
      event.preventDefault();
      saveEdit().then(() => input.blur());
    } else if (event.key === "Escape") {
      input.blur();
      renderEditor();
    }
    return;
  }
  if (event.target instanceof HTMLInputElement || event.target instanceof HTMLSelectElement) return;
  if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === "z") {
    event.preventDefault();
    undo();
    return;
  }
  if (event.ctrlKey || event.metaKey || event.altKey) return;
  const actions = {
    ArrowDown: () => moveField(1), j: () => moveField(1),
    ArrowUp: () => moveField(-1), k: () => moveField(-1),
    ArrowRight: () => moveDoc(1), n: () => moveDoc(1),
    ArrowLeft: () => moveDoc(-1), b: () => moveDoc(-1),
    a: acceptAndNext,
    e: () => input.focus(), Enter: () => input.focus(),
    x: absent,
    p: () => { $("pick-mode").checked = !$("pick-mode").checked; renderOcr(); renderBoxes(); },
    w: () => { $("pick-words").checked = !$("pick-words").checked; renderOcr(); },
    i: () => S.doc && S.doc.lists.length && addItem(S.doc.lists[0]),
    u: undo,
    d: done,
    f: fit,
    PageDown: () => S.doc && showPage(S.page + 1),
    PageUp: () => S.doc && showPage(S.page - 1),
    "?": () => { $("help").hidden = !$("help").hidden; },
    Escape: () => { $("help").hidden = true; },
  };
  const action = actions[event.key];
  if (action) {
    event.preventDefault();
    action();
  }
}

// --- start ---------------------------------------------------------------------------------------
async function start() {
  if (!token) {
    say("no session token in the address: open the address `ocula review` printed", true);
    return;
  }
  try {
    S.session = await api("GET", `/api/session?token=${encodeURIComponent(token)}`);
  } catch (err) {
    say(err.message, true);
    return;
  }
  $("results").textContent = `${S.session.results} · ${S.session.reviewer}`;
  for (const name of S.session.schemas) {
    $("filter-schema").append(
      Object.assign(document.createElement("option"), { value: name, textContent: schemaLabel(name), title: name }),
    );
  }
  $("page-image").addEventListener("load", (event) => {
    event.target.classList.remove("loading");
    event.target.dataset.loaded = event.target.getAttribute("href");
    $("page-note").textContent = "";
  });
  $("page-image").addEventListener("error", () => { $("page-note").textContent = "the page could not be shown"; });
  $("value-input").addEventListener("input", liveCheck);
  $("accept").addEventListener("click", acceptAndNext);
  $("save").addEventListener("click", saveEdit);
  $("absent").addEventListener("click", absent);
  $("undo").addEventListener("click", undo);
  $("done").addEventListener("click", done);
  $("fit").addEventListener("click", fit);
  $("prev-page").addEventListener("click", () => showPage(S.page - 1));
  $("next-page").addEventListener("click", () => showPage(S.page + 1));
  $("prev-doc").addEventListener("click", () => moveDoc(-1));
  $("next-doc").addEventListener("click", () => moveDoc(1));
  $("pick-mode").addEventListener("change", () => { renderOcr(); renderBoxes(); });
  $("pick-words").addEventListener("change", renderOcr);
  $("help-button").addEventListener("click", () => { $("help").hidden = !$("help").hidden; });
  $("help-close").addEventListener("click", () => { $("help").hidden = true; });
  for (const id of ["filter-status", "filter-below", "filter-schema", "filter-pending"]) {
    $(id).addEventListener("change", loadQueue);
  }
  $("filters").addEventListener("submit", (event) => event.preventDefault());
  document.addEventListener("keydown", onKey);
  await loadQueue();
  const fromHash = /doc=(\d+)/.exec(location.hash);
  try {
    await openDoc(fromHash ? Number(fromHash[1]) : S.session.resume);
  } catch (err) {
    await openDoc(S.session.resume); // a document of another results file
  }
  document.body.dataset.ready = "1";
}

start();
