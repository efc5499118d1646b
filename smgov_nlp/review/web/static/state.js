// smgov review: the state every view shares, the server API and small DOM helpers.
// Every text is rendered with textContent, never as HTML.
export const $ = (id) => document.getElementById(id);
export const NAME_KEY = "smgov-review.reviewer";
const TAB_KEY = "smgov-review.tab";

export const app = {
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
  onList: null,              // what draws the list view (list.js sets it)
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

export function el(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  if (className) node.className = className;
  return node;
}

export function clear(node) {
  while (node.firstChild) node.removeChild(node.firstChild);
  return node;
}

export function conf(value) {
  return value === null || value === undefined ? "—" : Number(value).toFixed(2);
}

export function layerTitle(id) {
  const layer = app.state.layers.find((l) => l.id === id);
  return layer ? layer.title : (id || "(none)");
}

export function typeTitle(id) {
  const type = app.state.types.find((t) => t.id === id);
  return type ? `${type.id} (${type.key}) — ${type.title}` : (id || "(none)");
}

export function say(text, kind) {
  const box = $("message");
  box.textContent = text || "";
  box.className = kind || "";
}

export async function api(path, body) {
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

export function takeStatus(data) {
  if (data && data.status) app.status = data.status;
  if (data && data.progress) app.progress = data.progress;
  renderProgress();
}

export function nextUndecided(from) {
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

export function setView(view) {
  app.view = view;
  $("focus").hidden = view !== "focus";
  $("finished").hidden = view !== "finished";
  $("list").hidden = view !== "list";
  $("show-focus").classList.toggle("active", view !== "list");
  $("show-list").classList.toggle("active", view === "list");
  document.body.dataset.view = view;
  if (view === "list" && app.onList) app.onList();
}
