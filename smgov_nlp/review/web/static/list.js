// smgov review: the list view: filter, select, accept many at once, jump to any statement.
import {$, app, api, clear, conf, el, layerTitle, nextUndecided, say, takeStatus} from "./state.js";
import {show} from "./focus.js";

function fillSelect(select, values, label) {
  clear(select);
  const all = el("option", `all ${label}`);
  all.value = "";
  select.appendChild(all);
  for (const [value, text] of values) {
    const option = el("option", text);
    option.value = value;
    select.appendChild(option);
  }
}

export function setupFilters() {
  const reasons = [...new Set(app.state.items.flatMap((i) => reasonKinds(i.review_reason)))].sort();
  fillSelect($("filter-reason"), reasons.map((r) => [r, r]), "reasons");
  fillSelect($("filter-layer"), app.state.layers.map((l) => [l.id, l.title]), "layers");
  fillSelect($("filter-type"), app.state.types.map((t) => [t.id, t.id]), "types");
  for (const id of ["filter-reason", "filter-layer", "filter-type", "filter-status"]) {
    $(id).addEventListener("change", () => { app.cursor = 0; renderList(); $(id).blur(); });
  }
}

// "new idea; layer uncertain: technology or information_data" -> ["new idea", "layer uncertain"]
function reasonKinds(reason) {
  return (reason || "").split(";").map((part) => part.split(":")[0].trim()).filter(Boolean);
}

function matches(item, index) {
  const reason = $("filter-reason").value;
  const status = $("filter-status").value;
  if (reason && !reasonKinds(item.review_reason).includes(reason)) return false;
  if ($("filter-layer").value && item.layer !== $("filter-layer").value) return false;
  if ($("filter-type").value && item.type !== $("filter-type").value) return false;
  if (status === "undecided" && app.status[index] !== null) return false;
  if (status === "decided" && app.status[index] === null) return false;
  return true;
}

export function renderList() {
  app.shown = app.state.items.map((item, i) => i).filter((i) => matches(app.state.items[i], i));
  app.cursor = Math.min(app.cursor, Math.max(app.shown.length - 1, 0));
  const body = clear($("items-body"));
  app.shown.forEach((index, row) => {
    const item = app.state.items[index];
    const decided = app.status[index];
    const tr = el("tr");
    tr.dataset.hash = item.text_hash;
    tr.classList.toggle("cursor", row === app.cursor);
    tr.classList.toggle("selected", app.selected.has(item.text_hash));
    const tick = el("input");
    tick.type = "checkbox";
    tick.checked = app.selected.has(item.text_hash);
    tick.addEventListener("change", () => { toggleSelected(item.text_hash); tick.blur(); });
    const cell = el("td");
    cell.appendChild(tick);
    tr.appendChild(cell);
    tr.appendChild(el("td", index + 1, "muted"));
    const text = el("td", item.text, "text-cell");
    text.title = "open this statement";
    text.addEventListener("click", () => show(index));
    tr.appendChild(text);
    tr.appendChild(el("td", layerTitle(item.layer)));
    tr.appendChild(el("td", item.type));
    tr.appendChild(el("td", conf(Math.min(item.layer_confidence ?? 0, item.type_confidence ?? 0))));
    tr.appendChild(el("td", item.review_reason, "muted"));
    tr.appendChild(el("td", decided ? (decided.decision === "not_statement" ? "not a statement" : decided.decision)
      : "undecided", decided ? "done" : "open"));
    body.appendChild(tr);
  });
  $("bulk-accept").textContent = `Accept selected (${app.selected.size})`;
  const cursor = body.children[app.cursor];
  if (cursor && cursor.scrollIntoView) cursor.scrollIntoView({block: "nearest"});
}

function toggleSelected(hash) {
  if (app.selected.has(hash)) app.selected.delete(hash);
  else app.selected.add(hash);
  renderList();
}

export async function bulkAccept() {
  if (!app.selected.size) {
    say("select statements first (space or the tick boxes)", "warn");
    return;
  }
  try {
    const data = await api("api/bulk-accept", {text_hashes: [...app.selected]});
    takeStatus(data);
    app.selected.clear();
    const notes = [];
    if (data.already_decided) notes.push(`${data.already_decided} already decided left as they were`);
    if (data.no_suggestion) notes.push(`${data.no_suggestion} without a suggestion left undecided`);
    say(`accepted ${data.accepted} suggestions` + (notes.length ? `; ${notes.join("; ")}` : "") +
      (data.accepted ? " (u undoes them together)" : ""));
    renderList();
  } catch (error) {
    say(`not saved: ${error.message}`, "error");
  }
}

export function listKey(key) {
  const n = app.shown.length;
  if (key === "ArrowDown" || key === "j") app.cursor = Math.min(app.cursor + 1, Math.max(n - 1, 0));
  else if (key === "ArrowUp" || key === "k") app.cursor = Math.max(app.cursor - 1, 0);
  else if (key === " " && n) return toggleSelected(app.state.items[app.shown[app.cursor]].text_hash);
  else if (key === "Enter" && n) return show(app.shown[app.cursor]);
  else if (key === "a") return bulkAccept();
  else if (key === "Escape" || key === "l") return leaveList();
  else return false;
  renderList();
}

export function leaveList() {
  const current = app.status[app.index] === null ? app.index : nextUndecided(app.index);
  show(current);
}

app.onList = renderList;  // setView("list") draws the list
