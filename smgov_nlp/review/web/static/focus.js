// smgov review: the focus view, one statement at a time, and what its keys do.
import {$, app, api, clear, conf, el, layerTitle, nextUndecided, say, setView, takeStatus, typeTitle} from "./state.js";

export function show(index) {
  if (index < 0) {
    finished();
    return;
  }
  app.index = index;
  const item = app.state.items[index];
  const decided = app.status[index];
  const base = decided && decided.decision !== "not_statement" ? decided : item;
  app.pending = {layer: base.layer, type: base.type, note: decided ? decided.note : "",
                 idea_with: decided ? decided.idea_with : "", touched: new Set()};
  app.pending.idea = ideaOf(app.pending.idea_with);
  setView("focus");
  document.body.dataset.index = String(index);
  document.body.dataset.hash = item.text_hash;
  $("position").textContent = `statement ${index + 1} of ${app.state.items.length} · most likely wrong first`;
  $("text").textContent = item.text;
  renderCurrent();
  renderWhere(item);
  renderContext(item);
  renderSuggestion(item);
  renderChoice();
  renderExamples(item);
  $("note").value = app.pending.note;
  $("idea").value = app.pending.idea;
}

// the id of the idea a linked statement stands for ("" for none or an idea of its own)
function ideaOf(hash) {
  if (!hash || hash === "own") return "";
  const found = Object.entries(app.state.ideas || {}).find(([, member]) => member === hash);
  return found ? found[0].toUpperCase() : "";
}

// "join an idea": the typed id becomes a link to one of that idea's statements; an unknown id changes nothing
export function joinIdea(typed) {
  const id = typed.trim();
  const item = app.state.items[app.index];
  const member = (app.state.ideas || {})[id.toLowerCase()];
  if (id && (!member || member === item.text_hash)) {
    say(`cannot join idea ${id}: no other statement of this queue or its statements.csv has that idea id`, "warn");
    return false;
  }
  app.pending.idea_with = id ? member : "";
  app.pending.idea = id;
  renderChoice();
  return true;
}

export function renderCurrent() {
  const decided = app.status[app.index];
  const box = $("current");
  box.hidden = !decided;
  if (!decided) return;
  const what = decided.decision === "not_statement" ? "not a statement"
    : `${decided.decision}: ${layerTitle(decided.layer)} · ${decided.type}`;
  box.textContent = `Already decided (${what}) by ${decided.reviewer} via ${decided.via}; ` +
    "a new decision replaces it.";
}

function renderWhere(item) {
  const parts = [`lang ${item.lang || "und"}`];
  for (const name of ["file", "line", "section", "group", "statement_id"]) {
    if (item[name]) parts.push(`${name.replace("_", " ")} ${item[name]}`);
  }
  if (item.model_version) parts.push(`model ${item.model_version}`);
  $("where").textContent = parts.join(" · ");
}

function renderContext(item) {
  const list = clear($("context"));
  $("context-box").hidden = !item.context.length;
  for (const line of item.context) {
    const entry = el("li", null, line.self ? "self" : "");
    entry.appendChild(el("span", `line ${line.line}`, "muted"));
    entry.appendChild(el("span", line.text));
    list.appendChild(entry);
  }
}

function renderSuggestion(item) {
  const box = clear($("suggestion"));
  box.appendChild(el("h3", "Suggestion"));
  const rows = [
    ["layer", `${conf(item.layer_confidence)}  ${layerTitle(item.layer)}`,
     item.layer_runner_up ? `runner-up ${conf(item.layer_runner_up_confidence)} ${layerTitle(item.layer_runner_up)}` : ""],
    ["type", `${conf(item.type_confidence)}  ${typeTitle(item.type)}`,
     item.type_runner_up ? `runner-up ${conf(item.type_runner_up_confidence)} ${typeTitle(item.type_runner_up)}` : ""],
  ];
  const table = el("table", null, "suggestion");
  for (const [head, value, runner] of rows) {
    const tr = el("tr");
    tr.appendChild(el("th", head));
    tr.appendChild(el("td", value));
    tr.appendChild(el("td", runner, "muted"));
    table.appendChild(tr);
  }
  box.appendChild(table);
  const why = [];
  if (item.review_reason) why.push(`why review: ${item.review_reason}`);
  if (item.error_risk !== null) why.push(`estimated chance it is wrong ${conf(item.error_risk)}`);
  if (why.length) box.appendChild(el("p", why.join(" · "), "reason"));
  if (item.matched_idea) box.appendChild(el("p", `matched idea: ${item.matched_idea}`, "reason"));
}

function renderChoice() {
  const item = app.state.items[app.index];
  const p = app.pending;
  for (const button of $("layer-buttons").children) {
    button.classList.toggle("chosen", button.dataset.value === p.layer);
    button.classList.toggle("suggested", button.dataset.value === item.layer);
  }
  for (const button of $("type-buttons").children) {
    button.classList.toggle("chosen", button.dataset.value === p.type);
    button.classList.toggle("suggested", button.dataset.value === item.type);
  }
  const box = clear($("choice"));
  box.appendChild(el("h3", "Your decision"));
  for (const head of ["layer", "type"]) {
    const value = p[head];
    const mark = value !== item[head] ? "changed" : (p.touched.has(head) ? "set" : "suggested");
    const line = el("div", null, `decision-${head}`);
    line.appendChild(el("span", `${head} `, "muted"));
    line.appendChild(el("strong", head === "layer" ? layerTitle(value) : typeTitle(value), mark));
    line.appendChild(el("span", ` [${mark}]`, "muted"));
    box.appendChild(line);
  }
  if (p.idea_with === "own") box.appendChild(el("div", "an idea of its own (m to undo)", "idea"));
  else if (p.idea_with) box.appendChild(el("div", `joins idea ${p.idea || "(another idea)"} (i, then an empty line, to undo)`, "idea"));
  $("do-own-idea").classList.toggle("chosen", p.idea_with === "own");
}

function renderExamples(item) {
  const box = clear($("examples"));
  if (!item.nearest_examples.length) {
    box.appendChild(el("p", "No nearest examples in the queue.", "muted"));
    return;
  }
  box.appendChild(el("h3", "Nearest hand-coded examples"));
  const list = el("ul");
  for (const example of item.nearest_examples) list.appendChild(el("li", example));
  box.appendChild(list);
}

function finished() {
  setView("finished");
  document.body.dataset.index = "";
  document.body.dataset.hash = "";
  $("finished-text").textContent =
    `All ${app.state.items.length} statements of ${app.state.queue || "the queue"} are decided; ` +
    `the decisions are in ${app.state.store}. Press u to undo the last one or l to open the list.`;
}

// ------------------------------------------------------------------ decisions (focus view)

export function setHead(head, value) {
  if (app.view !== "focus") return;
  app.pending[head] = value;
  app.pending.touched.add(head);
  if (app.pending.touched.has("layer") && app.pending.touched.has("type")) return save();
  renderChoice();
}

export function accept() {
  if (app.view !== "focus") return;
  const p = app.pending;
  if (!p.layer || !p.type) {
    say(`no suggested ${p.layer ? "type" : "layer"} for this statement: press ${p.layer ? "r/b/s" : "1-6"} to set it`, "warn");
    return;
  }
  return save();
}

async function save(verdict) {
  const item = app.state.items[app.index];
  const p = app.pending;
  try {
    const data = await api("api/decide", {text_hash: item.text_hash, layer: p.layer, type: p.type,
                                          verdict: verdict || "", note: p.note, idea_with: p.idea_with});
    takeStatus(data);
    say(verdict ? "saved: not a statement" : "saved");
    show(nextUndecided(data.index));
  } catch (error) {
    say(`not saved: ${error.message}`, "error");
  }
}

export function notStatement() {
  if (app.view === "focus") return save("not_statement");
}

export function ownIdea() {
  if (app.view !== "focus") return;
  app.pending.idea_with = app.pending.idea_with === "own" ? "" : "own";
  app.pending.idea = "";
  $("idea").value = "";
  renderChoice();
}

export function skip() {
  if (app.view !== "focus") return;
  const next = nextUndecided(app.index);
  if (next === app.index) say("this is the only undecided statement left");
  else say("skipped (nothing saved)");
  show(next);
}

export function move(step) {
  if (app.view === "list") return;
  const n = app.state.items.length;
  const from = app.view === "finished" ? (step > 0 ? -1 : 0) : app.index;
  show((from + step + n) % n);
}
