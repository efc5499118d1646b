// smgov review in the browser: the same keys as the terminal review (? lists them), a list view for bulk
// accepts, every decision sent to the server at once. Native ES modules: no build step.
import {$, NAME_KEY, app, api, el, nextUndecided, say, setView, takeStatus} from "./state.js";
import {accept, joinIdea, move, notStatement, ownIdea, renderCurrent, setHead, show, skip} from "./focus.js";
import {bulkAccept, leaveList, listKey, renderList, setupFilters} from "./list.js";

async function undo() {
  try {
    const data = await api("api/undo", {});
    takeStatus(data);
    if (app.view === "list") {
      app.index = data.index;
      renderList();
    } else {
      show(data.index);
    }
    say(data.kept ? `undone ${data.undone}; ${data.kept} decided again in another tab kept` :
      (data.undone > 1 ? `undone: ${data.undone} statements are back to their previous state`
        : "undone: this statement is back to its previous state"));
  } catch (error) {
    say(error.message, "warn");
  }
}

const FOCUS_KEYS = {
  a: accept, x: notStatement, m: ownIdea, " ": skip, u: undo,
  ArrowRight: () => move(1), ArrowLeft: () => move(-1),
};

const HANDLED = new Set(["a", "x", "m", " ", "u", "n", "i", "l", "r", "b", "s", "1", "2", "3", "4", "5", "6", "j", "k",
  "Enter", "Escape", "ArrowUp", "ArrowDown", "ArrowLeft", "ArrowRight"]);

function focusKey(key) {
  if (app.view === "finished") {
    if (key === "ArrowRight" || key === "ArrowLeft") return FOCUS_KEYS[key]();
    return false;
  }
  const layer = app.state.layers.find((l) => l.key === key);
  if (layer) return setHead("layer", layer.id);
  const type = app.state.types.find((t) => t.key === key);
  if (type) return setHead("type", type.id);
  if (key === "n" || key === "i") {
    $(key === "n" ? "note" : "idea").focus();
    return;
  }
  if (FOCUS_KEYS[key]) return FOCUS_KEYS[key]();
  return false;
}

function onKey(event) {
  if (event.ctrlKey || event.metaKey || event.altKey || !app.state) return;
  if (!$("ask-name").hidden) return;
  const target = event.target;
  if (target && (target.tagName === "INPUT" && target.type !== "checkbox" || target.tagName === "TEXTAREA")) return;
  if (target && target.tagName === "SELECT" && event.key !== "Escape") return;
  const key = event.key;
  if (!$("help").hidden) {
    if (key === "Escape" || key === "?") $("help").hidden = true;
    event.preventDefault();
    return;
  }
  if (key === "?") {
    $("help").hidden = false;
    event.preventDefault();
    return;
  }
  if (!HANDLED.has(key)) return;
  event.preventDefault();
  app.chain = app.chain.then(() => {
    if (key === "u") return undo();  // in every view
    if (key === "l" && app.view !== "list") return setView("list");
    return app.view === "list" ? listKey(key) : focusKey(key);
  }).catch((error) => say(String(error), "error"));
}

function onNoteKey(event) {
  if (event.key === "Enter") {
    app.pending.note = $("note").value.trim();
    $("note").blur();
    say(app.pending.note ? "note kept: it is saved with the decision" : "note cleared");
    event.preventDefault();
  } else if (event.key === "Escape") {
    $("note").value = app.pending.note;
    $("note").blur();
    event.preventDefault();
  }
}

function onIdeaKey(event) {
  if (event.key === "Enter") {
    if (joinIdea($("idea").value)) $("idea").blur();
    event.preventDefault();
  } else if (event.key === "Escape") {
    $("idea").value = app.pending.idea;
    $("idea").blur();
    event.preventDefault();
  }
}

// ------------------------------------------------------------------ start

function button(text, onClick, value) {
  const node = el("button", null);
  node.type = "button";
  node.appendChild(el("kbd", text[0]));
  node.appendChild(document.createTextNode(" " + text[1]));
  node.dataset.value = value;
  node.addEventListener("click", () => { node.blur(); app.chain = app.chain.then(() => onClick()); });
  return node;
}

function setupButtons() {
  for (const layer of app.state.layers) {
    $("layer-buttons").appendChild(button([layer.key, layer.title.replace(/^\d+\.\s*/, "")],
      () => setHead("layer", layer.id), layer.id));
  }
  for (const type of app.state.types) {
    $("type-buttons").appendChild(button([type.key, type.id], () => setHead("type", type.id), type.id));
  }
  const actions = {"do-accept": accept, "do-not-statement": notStatement, "do-own-idea": ownIdea, "do-skip": skip,
                   "do-undo": undo, "do-prev": () => move(-1), "do-next": () => move(1),
                   "bulk-accept": bulkAccept, "show-list": () => setView("list"), "show-focus": leaveList};
  for (const [id, action] of Object.entries(actions)) {
    $(id).addEventListener("click", () => { $(id).blur(); app.chain = app.chain.then(() => action()); });
  }
  $("show-help").addEventListener("click", () => { $("show-help").blur(); $("help").hidden = false; });
  $("help").addEventListener("click", (event) => { if (event.target === $("help")) $("help").hidden = true; });
  $("select-shown").addEventListener("click", () => {
    for (const index of app.shown) app.selected.add(app.state.items[index].text_hash);
    renderList();
  });
  $("select-none").addEventListener("click", () => { app.selected.clear(); renderList(); });
  $("note").addEventListener("keydown", onNoteKey);
  $("idea").addEventListener("keydown", onIdeaKey);
  $("note").addEventListener("change", () => { app.pending.note = $("note").value.trim(); });
  $("reviewer-change").addEventListener("click", () => askName());
  document.addEventListener("keydown", onKey);
  window.addEventListener("focus", refresh);
}

function setupHelp() {
  const keys = [["a", "save what is shown (the suggestion, or your changes) and go to the next"],
    ["1-6", "set the layer"], ["r / b / s", "set the type (risk, benefit, strategy); once both are set by key the decision is saved"],
    ["x", "not a statement (a heading or an aside)"], ["n", "write a note (Enter keeps it)"],
    ["m", "an idea of its own"], ["i", "join another idea: type its id (Enter keeps it)"], ["space", "skip (nothing is saved)"], ["u", "undo your last decision in this tab"],
    ["← / →", "previous / next statement"], ["l", "list view: filter, select, accept many, jump"], ["?", "this help"]];
  for (const [key, what] of keys) {
    const tr = el("tr");
    tr.appendChild(el("th", key));
    tr.appendChild(el("td", what));
    $("help-keys").appendChild(tr);
  }
  for (const layer of app.state.layers) {
    $("help-layers").appendChild(el("dt", layer.title));
    $("help-layers").appendChild(el("dd", layer.definition || ""));
  }
  for (const type of app.state.types) {
    $("help-types").appendChild(el("dt", `${type.key} · ${type.id}`));
    $("help-types").appendChild(el("dd", type.title));
  }
}

function askName() {
  $("ask-name").hidden = false;
  $("name-input").value = app.reviewer || localStorage.getItem(NAME_KEY) || app.state.suggested_reviewer || "";
  $("name-input").focus();
  $("name-input").select();
}

function keepName() {
  const name = $("name-input").value.trim();
  if (!name) return;
  app.reviewer = name;
  localStorage.setItem(NAME_KEY, name);
  $("reviewer-name").textContent = name;
  $("ask-name").hidden = true;
  $("name-input").blur();
}

async function refresh() {
  if (!app.state) return;
  try {
    takeStatus(await api("api/status"));
    if (app.view === "list") renderList();
    else if (app.view === "focus") renderCurrent();
  } catch (error) {
    say(`cannot reach the review server: ${error.message}`, "error");
  }
}

async function start() {
  try {
    app.state = await api("api/state");
  } catch (error) {
    say(`cannot load the review: ${error.message}`, "error");
    return;
  }
  takeStatus(app.state);
  $("queue-name").textContent = app.state.queue;
  setupButtons();
  setupHelp();
  setupFilters();
  $("name-save").addEventListener("click", keepName);
  $("name-input").addEventListener("keydown", (event) => { if (event.key === "Enter") keepName(); });
  if (app.state.reviewer) {
    app.reviewer = app.state.reviewer;
    $("reviewer-change").hidden = true;
  } else {
    app.reviewer = localStorage.getItem(NAME_KEY) || "";
  }
  $("reviewer-name").textContent = app.reviewer;
  show(nextUndecided(-1));
  if (!app.reviewer) askName();
  document.body.dataset.ready = "true";
}

document.addEventListener("DOMContentLoaded", start);
