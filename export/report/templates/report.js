"use strict";
// The per-record table: filtered in memory, one page of rows in the DOM at a time; a record's
// detail (the lines `clearcrawl explain` prints, numbered into a shared table) is joined when
// it is chosen. Nothing here fetches anything.
async function loadData() {
  // gzip + Base64 (see export/report/render.py data_payload), unpacked by the browser itself.
  const node = document.getElementById("report-data");
  const b64 = node.textContent.trim();
  node.textContent = "";
  performance.mark("clearcrawl:script");
  let bytes;
  if (typeof Uint8Array.fromBase64 === "function") {
    bytes = Uint8Array.fromBase64(b64);
  } else {
    const raw = atob(b64);
    bytes = new Uint8Array(raw.length);
    for (let i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
  }
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
  const text = await new Response(stream).text();
  performance.mark("clearcrawl:unpacked");
  const data = JSON.parse(text);
  performance.mark("clearcrawl:parsed");
  return data;
}

function start(D) {
  const PAGE = 100;
  const R = D.records; // [url, id, origin, licence, outcome, reasons, [line numbers], values]
  const $ = (id) => document.getElementById(id);
  const q = $("q"), fo = $("f-origin"), fl = $("f-license"), fc = $("f-outcome"), fr = $("f-reason");
  const body = $("records-body"), count = $("match-count"), pageLabel = $("page"), detail = $("detail");
  let matches = [];
  let page = 0;
  let selected = -1;

  function fill(select, names, label) {
    const order = names.map((n, i) => [n, i]).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    for (const [name, i] of order) {
      const opt = document.createElement("option");
      opt.value = String(i);
      opt.textContent = label(name);
      select.appendChild(opt);
    }
  }
  fill(fo, D.origins, (n) => n);
  fill(fl, D.licenses, (n) => n || "(none)");
  fill(fc, D.outcomes, (n) => n);
  const reasonClasses = [...new Set(D.reasons.flatMap((k) => (k ? k.split(" ") : [])))].sort();
  for (const r of reasonClasses) {
    const opt = document.createElement("option");
    opt.value = r;
    opt.textContent = r;
    fr.appendChild(opt);
  }
  const reasonSets = D.reasons.map((k) => new Set(k ? k.split(" ") : []));

  function apply() {
    const text = q.value.trim().toLowerCase();
    const o = fo.value === "" ? -1 : Number(fo.value);
    const l = fl.value === "" ? -1 : Number(fl.value);
    const c = fc.value === "" ? -1 : Number(fc.value);
    const r = fr.value;
    matches = [];
    for (let i = 0; i < R.length; i++) {
      const rec = R[i];
      if (o >= 0 && rec[2] !== o) continue;
      if (l >= 0 && rec[3] !== l) continue;
      if (c >= 0 && rec[4] !== c) continue;
      if (r && !reasonSets[rec[5]].has(r)) continue;
      if (text && rec[0].toLowerCase().indexOf(text) < 0 && rec[1].indexOf(text) !== 0) continue;
      matches.push(i);
    }
    page = 0;
    draw();
  }

  function cell(tr, text, cls) {
    const td = document.createElement("td");
    td.textContent = text;
    td.title = text;
    if (cls) td.className = cls;
    tr.appendChild(td);
  }

  function draw() {
    const pages = Math.max(1, Math.ceil(matches.length / PAGE));
    page = Math.min(page, pages - 1);
    const frag = document.createDocumentFragment();
    for (const i of matches.slice(page * PAGE, page * PAGE + PAGE)) {
      const rec = R[i];
      const tr = document.createElement("tr");
      tr.dataset.index = String(i);
      tr.dataset.id = rec[1];
      tr.tabIndex = 0;
      if (i === selected) tr.className = "sel";
      cell(tr, rec[0]);
      cell(tr, D.outcomes[rec[4]], "o" + rec[4]);
      cell(tr, D.licenses[rec[3]] || "");
      cell(tr, D.reasons[rec[5]]);
      frag.appendChild(tr);
    }
    body.replaceChildren(frag);
    count.textContent = matches.length + " of " + R.length + " records";
    pageLabel.textContent = "page " + (page + 1) + " of " + pages;
    $("prev").disabled = page === 0;
    $("next").disabled = page >= pages - 1;
  }

  // A stored line starting with D.templated holds marks for the record's values (URL, id, WARC
  // pointers): replaced in reverse order (export/report/collect.py expand_line does the same).
  function expand(line, values) {
    if (!line.startsWith(D.templated)) return line;
    let out = line.slice(1);
    for (let k = Math.min(values.length, D.marks.length) - 1; k >= 0; k--) {
      if (values[k]) out = out.split(D.marks[k]).join(values[k]);
    }
    return out;
  }

  function show(i) {
    selected = i;
    const rec = R[i];
    const lines = rec[6].map((n) => expand(D.lines[n], [rec[0], rec[1], ...rec[7]]));
    const h = document.createElement("h3");
    h.textContent = D.outcomes[rec[4]] + ": " + rec[0];
    h.className = "o" + rec[4];
    const pre = document.createElement("pre");
    pre.id = "detail-text";
    pre.textContent = lines.join("\n");
    detail.replaceChildren(h, pre);
    for (const tr of body.children) tr.classList.toggle("sel", tr.dataset.index === String(i));
    if (history.replaceState) history.replaceState(null, "", "#record=" + rec[1]);
  }

  body.addEventListener("click", (ev) => {
    const tr = ev.target.closest("tr");
    if (tr && tr.dataset.index) show(Number(tr.dataset.index));
  });
  body.addEventListener("keydown", (ev) => {
    const tr = ev.target.closest("tr");
    if (ev.key === "Enter" && tr && tr.dataset.index) show(Number(tr.dataset.index));
  });
  let timer = 0;
  q.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(apply, 120);
  });
  for (const s of [fo, fl, fc, fr]) s.addEventListener("change", apply);
  $("prev").addEventListener("click", () => { page--; draw(); });
  $("next").addEventListener("click", () => { page++; draw(); });
  apply();
  const m = /#record=([0-9a-f]+)/.exec(location.hash);
  if (m) {
    const i = R.findIndex((rec) => rec[1] === m[1]);
    if (i >= 0) show(i);
  }
  performance.mark("clearcrawl:ready");
  document.body.dataset.ready = "true";
}

loadData().then(start, (err) => {
  document.getElementById("records-body").textContent = "";
  const p = document.createElement("p");
  p.textContent = "The record table could not be unpacked in this browser: " + err;
  document.getElementById("detail").replaceChildren(p);
  throw err;
});
