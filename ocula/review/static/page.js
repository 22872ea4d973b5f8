// Ocula review: the page image and what is drawn over it (field boxes, OCR lines to pick), zoom. Loaded before
// app.js, which holds the state (S) and the requests these functions use.
"use strict";

const SVG = "http://www.w3.org/2000/svg";

// --- colours -------------------------------------------------------------------------------------
function colour(field) {
  if (field.state !== "unchecked") return "#0969da";
  if (field.confidence === null || field.confidence === undefined) return "#6e7781";
  const c = Math.max(0, Math.min(1, field.confidence));
  // red below one half, amber to yellow-green in between, green from 0.8: the hue grows with the square
  return `hsl(${Math.round(120 * c * c)}, ${c < 0.5 ? 75 : 65}%, ${c < 0.8 ? 42 : 35}%)`;
}
// --- the page ------------------------------------------------------------------------------------
function pageSize() {
  const p = S.doc && S.doc.pages[S.page];
  return p ? [p.width, p.height] : [1000, 1400];
}

function showPage(index) {
  const d = S.doc;
  const svg = $("page");
  const image = $("page-image");
  const note = $("page-note");
  if (!d.pages.length) {
    image.removeAttribute("href");
    note.textContent = d.file_found ? d.page_error || "no page" : `file not found: ${d.source}`;
    $("page-label").textContent = "";
    $("box-layer").replaceChildren();
    $("ocr-layer").replaceChildren();
    return;
  }
  note.textContent = "";
  S.page = Math.max(0, Math.min(index, d.pages.length - 1));
  const [w, h] = pageSize();
  image.setAttribute("width", w);
  image.setAttribute("height", h);
  const href = `/api/docs/${d.id}/pages/${S.page}.png?token=${encodeURIComponent(token)}`;
  if (image.getAttribute("href") !== href) {
    image.classList.add("loading"); // the previous page stays visible until this one has loaded: dim it
    image.dataset.loaded = "";
    note.textContent = "loading the page…";
    image.setAttribute("href", href);
  }
  svg.setAttribute("viewBox", `0 0 ${w} ${h}`);
  $("page-label").textContent = `page ${S.page + 1} / ${d.pages.length}`;
  $("prev-page").disabled = S.page === 0;
  $("next-page").disabled = S.page >= d.pages.length - 1;
  renderBoxes();
  renderOcr();
}

function rect(box, cls) {
  const r = document.createElementNS(SVG, "rect");
  r.setAttribute("x", box[0]);
  r.setAttribute("y", box[1]);
  r.setAttribute("width", Math.max(box[2] - box[0], 1));
  r.setAttribute("height", Math.max(box[3] - box[1], 1));
  r.setAttribute("class", cls);
  return r;
}

function renderBoxes() {
  const layer = $("box-layer");
  layer.replaceChildren();
  if (!S.doc) return;
  for (const f of S.doc.fields) {
    if (!f.box || f.page !== S.page) continue;
    const r = rect(f.box, "fbox" + (f.path === S.selected ? " selected" : S.selected ? " dim" : ""));
    r.dataset.path = f.path;
    r.setAttribute("stroke", colour(f));
    r.setAttribute("fill", colour(f));
    const title = document.createElementNS(SVG, "title");
    title.textContent = `${f.path}: ${shown(f.value, f.state)} (${percent(f.confidence)}, ${f.source})`;
    r.append(title);
    r.addEventListener("click", (event) => {
      if ($("pick-mode").checked) return; // in pick mode the click goes to the text underneath
      event.stopPropagation();
      select(f.path, false);
    });
    if ($("pick-mode").checked) r.style.pointerEvents = "none";
    layer.append(r);
  }
}

async function renderOcr() {
  const layer = $("ocr-layer");
  layer.replaceChildren();
  if (!$("pick-mode").checked || !S.doc || !S.doc.pages.length) return;
  const key = `${S.doc.id}:${S.page}`;
  if (!S.text[key]) {
    say("reading the page's text…");
    try {
      S.text[key] = await api("GET", `${docUrl(`/pages/${S.page}/text`)}?token=${encodeURIComponent(token)}`);
      say(`${S.text[key].length} lines: click one to set the field (Shift: append)`);
    } catch (err) {
      say(err.message, true);
      return;
    }
  }
  if (`${S.doc.id}:${S.page}` !== key || !$("pick-mode").checked) return;
  const words = $("pick-words").checked;
  S.text[key].forEach((line, li) => {
    const targets = words ? line.words.map((w, wi) => [w, wi]) : [[line, null]];
    for (const [item, wi] of targets) {
      const r = rect(item.box, "obox");
      r.dataset.line = li;
      if (wi !== null) r.dataset.word = wi;
      const title = document.createElementNS(SVG, "title");
      title.textContent = item.text;
      r.append(title);
      r.addEventListener("click", (event) => pick(li, wi, event.shiftKey));
      layer.append(r);
    }
  });
  renderBoxes();
}

function zoomTo(box) {
  const [w, h] = pageSize();
  const bw = box[2] - box[0];
  const bh = box[3] - box[1];
  const vw = Math.min(w, Math.max(bw * 2.5, w * 0.45));
  const vh = Math.min(h, Math.max(bh * 6, h * 0.3));
  const x = Math.max(0, Math.min(w - vw, (box[0] + box[2]) / 2 - vw / 2));
  const y = Math.max(0, Math.min(h - vh, (box[1] + box[3]) / 2 - vh / 2));
  $("page").setAttribute("viewBox", `${x} ${y} ${vw} ${vh}`);
}

function fit() {
  const [w, h] = pageSize();
  $("page").setAttribute("viewBox", `0 0 ${w} ${h}`);
}
