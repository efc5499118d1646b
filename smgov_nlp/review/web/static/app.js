// smgov review in the browser: one statement at a time with the same keys as the terminal review,
// and a list view for bulk accepts. Every text is rendered with textContent, never as HTML.
"use strict";

(function () {
  const $ = (id) => document.getElementById(id);
  const NAME_KEY = "smgov-review.reviewer";
  const TAB_KEY = "smgov-review.tab";

  const app = {
    state: null,        // GET api/state: items, layers, types, session token, fixed reviewer
    status: [],         // latest decision per item (null: undecided)
    progress: {},
    view: "focus",      // focus | list | finished
    index: 0,           // the item shown in the focus view
    pending: null,      // {layer, type, note, idea_with, touched: Set}
    reviewer: "",
    tab: tabId(),
    chain: Promise.resolve(),  // keys run one after another, a save finishing before the next key acts
    selected: new Set(),       // text_hash of the items ticked in the list
    cursor: 0,                 // the list row the arrow keys are on (index into the shown rows)
    shown: [],                 // item indexes the list shows, in order
  };

  // ------------------------------------------------------------------ helpers

  function tabId() {
    let id = sessionStorage.getItem(TAB_KEY);
    if (!id) {
      const bytes = new Uint8Array(12);
      crypto.getRandomValues(bytes);
      id = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
      sessionStorage.setItem(TAB_KEY, id);
    }
    return id;
  }

  function el(tag, text, className) {
    const node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (className) node.className = className;
    return node;
  }

  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
    return node;
  }

  function conf(value) {
    return value === null || value === undefined ? "—" : Number(value).toFixed(2);
  }

  function layerTitle(id) {
    const layer = app.state.layers.find((l) => l.id === id);
    return layer ? layer.title : (id || "(none)");
  }

  function typeTitle(id) {
    const type = app.state.types.find((t) => t.id === id);
    return type ? `${type.id} (${type.key}) — ${type.title}` : (id || "(none)");
  }

  function say(text, kind) {
    const box = $("message");
    box.textContent = text || "";
    box.className = kind || "";
  }

  async function api(path, body) {
    const options = body === undefined ? {} : {
      method: "POST",
      headers: {"Content-Type": "application/json", "X-Smgov-Session": app.state.session},
      body: JSON.stringify(Object.assign({tab: app.tab, reviewer: app.reviewer}, body)),
    };
    const response = await fetch(path, options);
    let data = null;
    try { data = await response.json(); } catch (e) { data = null; }
    if (!response.ok) throw new Error((data && data.error) || `${response.status} ${response.statusText}`);
    return data;
  }

  function takeStatus(data) {
    if (data && data.status) app.status = data.status;
    if (data && data.progress) app.progress = data.progress;
    renderProgress();
  }

  function nextUndecided(from) {
    const n = app.status.length;
    for (let k = 1; k <= n; k++) {
      const i = (from + k + n) % n;
      if (app.status[i] === null) return i;
    }
    return -1;
  }

  // ------------------------------------------------------------------ rendering

  function renderProgress() {
    const p = app.progress;
    $("progress-bar").max = Math.max(p.total || 0, 1);
    $("progress-bar").value = p.reviewed || 0;
    $("progress-text").textContent =
      `reviewed ${p.reviewed} of ${p.total} · ${p.remaining} remaining · ` +
      `${p.this_session} this session · ${p.per_minute} decisions/min`;
  }

  function setView(view) {
    app.view = view;
    $("focus").hidden = view !== "focus";
    $("finished").hidden = view !== "finished";
    $("list").hidden = view !== "list";
    $("show-focus").classList.toggle("active", view !== "list");
    $("show-list").classList.toggle("active", view === "list");
    document.body.dataset.view = view;
    if (view === "list") renderList();
  }

  function show(index) {
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
  }

  function renderCurrent() {
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
    if (p.idea_with) box.appendChild(el("div", "an idea of its own (m to undo)", "idea"));
    $("do-own-idea").classList.toggle("chosen", Boolean(p.idea_with));
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

  function setHead(head, value) {
    if (app.view !== "focus") return;
    app.pending[head] = value;
    app.pending.touched.add(head);
    if (app.pending.touched.has("layer") && app.pending.touched.has("type")) return save();
    renderChoice();
  }

  function accept() {
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

  function notStatement() {
    if (app.view === "focus") return save("not_statement");
  }

  function ownIdea() {
    if (app.view !== "focus") return;
    app.pending.idea_with = app.pending.idea_with ? "" : "own";
    renderChoice();
  }

  function skip() {
    if (app.view !== "focus") return;
    const next = nextUndecided(app.index);
    if (next === app.index) say("this is the only undecided statement left");
    else say("skipped (nothing saved)");
    show(next);
  }

  async function undo() {
    try {
      const data = await api("api/undo", {});
      takeStatus(data);
      show(data.index);
      say(data.kept ? `undone ${data.undone}; ${data.kept} decided again in another tab kept` :
        (data.undone > 1 ? `undone: ${data.undone} statements are back to their previous state`
          : "undone: this statement is back to its previous state"));
      if (app.view === "list") renderList();
    } catch (error) {
      say(error.message, "warn");
    }
  }

  function move(step) {
    if (app.view === "list") return;
    const n = app.state.items.length;
    const from = app.view === "finished" ? (step > 0 ? -1 : 0) : app.index;
    show((from + step + n) % n);
  }

  // ------------------------------------------------------------------ list view

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

  function setupFilters() {
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

  function renderList() {
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

  async function bulkAccept() {
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

  function listKey(key) {
    const n = app.shown.length;
    if (key === "ArrowDown" || key === "j") app.cursor = Math.min(app.cursor + 1, Math.max(n - 1, 0));
    else if (key === "ArrowUp" || key === "k") app.cursor = Math.max(app.cursor - 1, 0);
    else if (key === " " && n) return toggleSelected(app.state.items[app.shown[app.cursor]].text_hash);
    else if (key === "Enter" && n) return show(app.shown[app.cursor]);
    else if (key === "a") return bulkAccept();
    else if (key === "u") return undo();
    else if (key === "Escape" || key === "l") return leaveList();
    else return false;
    renderList();
  }

  function leaveList() {
    const current = app.status[app.index] === null ? app.index : nextUndecided(app.index);
    show(current);
  }

  // ------------------------------------------------------------------ keys

  const FOCUS_KEYS = {
    a: accept, x: notStatement, m: ownIdea, " ": skip, u: undo,
    ArrowRight: () => move(1), ArrowLeft: () => move(-1),
  };

  const HANDLED = new Set(["a", "x", "m", " ", "u", "n", "l", "r", "b", "s", "1", "2", "3", "4", "5", "6", "j", "k",
    "Enter", "Escape", "ArrowUp", "ArrowDown", "ArrowLeft", "ArrowRight"]);

  function focusKey(key) {
    if (app.view === "finished") {
      if (key === "u" || key === "ArrowRight" || key === "ArrowLeft") return FOCUS_KEYS[key]();
      return false;
    }
    const layer = app.state.layers.find((l) => l.key === key);
    if (layer) return setHead("layer", layer.id);
    const type = app.state.types.find((t) => t.key === key);
    if (type) return setHead("type", type.id);
    if (key === "n") {
      $("note").focus();
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

  // ------------------------------------------------------------------ start

  function button(text, onClick, value) {
    const node = el("button", null);
    node.type = "button";
    node.appendChild(el("kbd", text[0]));
    node.appendChild(document.createTextNode(" " + text[1]));
    node.dataset.value = value;
    node.addEventListener("click", () => { node.blur(); app.chain = app.chain.then(onClick); });
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
      $(id).addEventListener("click", () => { $(id).blur(); app.chain = app.chain.then(action); });
    }
    $("show-help").addEventListener("click", () => { $("show-help").blur(); $("help").hidden = false; });
    $("help").addEventListener("click", (event) => { if (event.target === $("help")) $("help").hidden = true; });
    $("select-shown").addEventListener("click", () => {
      for (const index of app.shown) app.selected.add(app.state.items[index].text_hash);
      renderList();
    });
    $("select-none").addEventListener("click", () => { app.selected.clear(); renderList(); });
    $("note").addEventListener("keydown", onNoteKey);
    $("note").addEventListener("change", () => { app.pending.note = $("note").value.trim(); });
    $("reviewer-change").addEventListener("click", () => askName());
    document.addEventListener("keydown", onKey);
    window.addEventListener("focus", refresh);
  }

  function setupHelp() {
    const keys = [["a", "save what is shown (the suggestion, or your changes) and go to the next"],
      ["1-6", "set the layer"], ["r / b / s", "set the type (risk, benefit, strategy); once both are set by key the decision is saved"],
      ["x", "not a statement (a heading or an aside)"], ["n", "write a note (Enter keeps it)"],
      ["m", "an idea of its own"], ["space", "skip (nothing is saved)"], ["u", "undo your last decision in this tab"],
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
})();
