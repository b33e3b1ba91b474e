// ruralmine explorer: sorting and filtering of tables, finding details on document pages, pan/zoom of the graph.
// Served by the app (no CDN). Text from documents is only ever put into the page with textContent or .value.
"use strict";

function cellValue(td) {
  const t = td.textContent.trim();
  const n = Number(t.replace(/,/g, ""));
  return t !== "" && !Number.isNaN(n) ? n : t;
}

function sortTable(th) {
  const table = th.closest("table");
  const body = table.tBodies[0];
  const col = th.cellIndex;
  const asc = !th.classList.contains("asc");
  table.querySelectorAll("th").forEach((h) => h.classList.remove("asc", "desc"));
  th.classList.add(asc ? "asc" : "desc");
  const rows = Array.from(body.rows);
  rows.sort((a, b) => {
    const x = cellValue(a.cells[col]), y = cellValue(b.cells[col]);
    let c;
    if (typeof x === "number" && typeof y === "number") c = x - y;
    else c = String(x).localeCompare(String(y), "zh-CN");
    return asc ? c : -c;
  });
  rows.forEach((r) => body.appendChild(r));
}

function applyFilters(tableId) {
  const table = document.getElementById(tableId);
  if (!table) return;
  const text = document.querySelector(`input.filter[data-table="${tableId}"]`);
  const words = text ? text.value.trim().toLowerCase().split(/\s+/).filter(Boolean) : [];
  const facets = Array.from(document.querySelectorAll(`select.facet[data-table="${tableId}"]`));
  let shown = 0;
  Array.from(table.tBodies[0].rows).forEach((row) => {
    const all = row.textContent.toLowerCase();
    let ok = words.every((w) => all.includes(w));
    facets.forEach((f) => {
      const cell = row.cells[Number(f.dataset.col)];
      if (f.value && (!cell || cell.textContent.trim() !== f.value)) ok = false;
    });
    row.hidden = !ok;
    if (ok) shown += 1;
  });
  const count = table.closest(".table-box")?.querySelector(".count");
  if (count) count.textContent = `${shown} 行`;
}

function setupTables() {
  document.querySelectorAll("table.sortable th").forEach((th) => th.addEventListener("click", () => sortTable(th)));
  document.querySelectorAll("input.filter").forEach((el) => el.addEventListener("input", () => applyFilters(el.dataset.table)));
  document.querySelectorAll("select.facet").forEach((el) => el.addEventListener("change", () => applyFilters(el.dataset.table)));
}

// --- document page -------------------------------------------------------------------------------------------

function el(tag, attrs, text) {
  const e = document.createElement(tag);
  Object.entries(attrs || {}).forEach(([k, v]) => e.setAttribute(k, v));
  if (text !== undefined) e.textContent = text;
  return e;
}

function hidden(name, value) {
  const i = el("input", { type: "hidden", name: name });
  i.value = value;
  return i;
}

function fixForm(token, action, fields, label, cls) {
  const f = el("form", { method: "post", action: action });
  f.appendChild(hidden("token", token));
  Object.entries(fields).forEach(([k, v]) => f.appendChild(hidden(k, v)));
  f.appendChild(el("button", { type: "submit", class: cls || "" }, label));
  return f;
}

const SKIP = new Set(["kind", "label", "start", "end", "name", "scope", "pending", "accepted"]);

function summary(f) {
  const parts = [f.label];
  Object.entries(f).forEach(([k, v]) => { if (!SKIP.has(k) && v !== "") parts.push(`${k}：${v}`); });
  return parts.join("\n");
}

function showFindings(ids, findings, box, doc, token, vocab) {
  box.replaceChildren();
  ids.forEach((i) => {
    const f = findings[i];
    if (!f) return;
    const div = el("div", { class: "finding", "data-index": String(i) });
    div.appendChild(el("strong", { class: `hl k-${f.kind}` }, f.label));
    const dl = el("dl");
    Object.entries(f).forEach(([k, v]) => {
      if (SKIP.has(k) || v === "") return;
      dl.appendChild(el("dt", {}, k));
      dl.appendChild(el("dd", {}, String(v)));
    });
    div.appendChild(dl);
    if (f.pending) div.appendChild(el("p", { class: "tag pending" }, "已拒绝，待下次运行生效"));
    if (f.accepted) div.appendChild(el("p", { class: "tag" }, "已核实"));
    if (f.scope) {
      const next = `/doc/${encodeURIComponent(doc).replace(/%2F/g, "/")}`;
      div.appendChild(fixForm(token, "/review", { doc_id: doc, kind: f.kind, name: f.name, start: f.start, end: f.end }, "接受（核实无误）"));
      if (!f.pending) {
        div.appendChild(fixForm(token, "/corrections", { action: "reject", name: f.name, into: f.scope, note: `${doc} @${f.start}`, next: next }, `拒绝“${f.name}”`, "danger"));
      }
      if (f.scope === "figure" && vocab.length) {
        const form = fixForm(token, "/corrections", { action: "indicator", name: f.name, note: `${doc} @${f.start}`, next: next }, "映射指标");
        const sel = el("select", { name: "into", "aria-label": "规范指标" });
        vocab.forEach((v) => { const o = el("option", {}, v); o.value = v; sel.appendChild(o); });
        form.insertBefore(sel, form.lastChild);
        div.appendChild(form);
      }
    }
    box.appendChild(div);
  });
}

function setupDocument() {
  const text = document.getElementById("doctext");
  const data = document.getElementById("findings");
  if (!text || !data) return;
  const findings = JSON.parse(data.textContent);
  const vocab = JSON.parse(document.getElementById("indicator-vocab")?.textContent || "[]");
  const box = document.getElementById("detail");
  const ids = (span) => span.dataset.ids.split(" ").filter(Boolean).map(Number);
  text.addEventListener("mouseover", (ev) => {
    const span = ev.target.closest(".hl");
    if (span && !span.title) span.title = ids(span).map((i) => summary(findings[i])).join("\n\n");
  });
  const pick = (span) => {
    text.querySelectorAll(".hl.active").forEach((s) => s.classList.remove("active"));
    span.classList.add("active");
    showFindings(ids(span).reverse(), findings, box, text.dataset.doc, text.dataset.token, vocab);
  };
  text.addEventListener("click", (ev) => { const s = ev.target.closest(".hl"); if (s) pick(s); });
  text.addEventListener("keydown", (ev) => { const s = ev.target.closest(".hl"); if (s && ev.key === "Enter") pick(s); });
  if (location.hash.startsWith("#at-")) {
    const target = document.getElementById(location.hash.slice(1));
    if (target) { target.scrollIntoView({ block: "center" }); pick(target); }
  }
}

// --- graph: pan and zoom by changing the viewBox ---------------------------------------------------------------

function setupGraph() {
  const svg = document.getElementById("graph");
  if (!svg) return;
  let [x, y, w, h] = svg.getAttribute("viewBox").split(/\s+/).map(Number);
  const set = () => svg.setAttribute("viewBox", `${x} ${y} ${w} ${h}`);
  svg.addEventListener("wheel", (ev) => {
    ev.preventDefault();
    const k = ev.deltaY > 0 ? 1.15 : 1 / 1.15;
    const r = svg.getBoundingClientRect();
    const px = x + ((ev.clientX - r.left) / r.width) * w, py = y + ((ev.clientY - r.top) / r.height) * h;
    x = px - (px - x) * k; y = py - (py - y) * k; w *= k; h *= k;
    set();
  }, { passive: false });
  let drag = null, moved = false;
  svg.addEventListener("pointerdown", (ev) => { drag = { cx: ev.clientX, cy: ev.clientY, x, y }; moved = false; });
  svg.addEventListener("pointermove", (ev) => {
    if (!drag) return;
    const r = svg.getBoundingClientRect();
    const dx = ev.clientX - drag.cx, dy = ev.clientY - drag.cy;
    if (Math.abs(dx) + Math.abs(dy) > 3) moved = true;
    x = drag.x - (dx / r.width) * w; y = drag.y - (dy / r.height) * h;
    set();
  });
  window.addEventListener("pointerup", () => { drag = null; });
  svg.addEventListener("click", (ev) => { if (moved) { ev.preventDefault(); moved = false; } }, true);
}

document.addEventListener("DOMContentLoaded", () => { setupTables(); setupDocument(); setupGraph(); });
