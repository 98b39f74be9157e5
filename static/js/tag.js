// The tagging view: one document at a time, keyboard first. Every change is shown at once,
// saved through the studio API and put back (with a message) if the save fails.
import { api, toast } from "./api.js";
import { bind, bindButtons, showHelp } from "./keys.js";

const state = JSON.parse(document.getElementById("tag-state").textContent);
const tagger = document.querySelector("[data-tagger]");
const base = `/api/projects/${encodeURIComponent(state.project)}`;
const SPLITS = ["auto", "train", "test"];
const classIds = new Set(state.classes.map((c) => c.id));

const cache = new Map(); // document id -> { id, name, text?, split, classes: [ids] }
let order = []; // ids of the documents in the filter, as far as loaded
let cursor = null; // the next page of the filter, or null when all are loaded
let started = false;
let position = 0;
const undo = []; // { id, classes } or { id, split }
let saving = Promise.resolve();
const counts = { ...state.counts };
const byName = new Map(state.classes.map((c) => [c.name, c.id]));
const inQueue = state.queueStrategy !== "none";
// The latest model's suggestions, by document id: shown, never saved until accepted.
const suggestions = new Map(); // id -> { classes: [{ class, confidence }], suggested: [names] }
const asked = new Set();
let suggestedBy = null;
// Multi-label documents a class key changed on this page: their suggestion no longer pre-ticks
// them, even when every class was unticked (no tags is then the user's choice, not "undecided").
const decided = new Set();
// `?prefetch=off` turns off reading the next documents' text and suggestions ahead; it exists
// for the baseline of tests/benchmarks/suggestion_latency.py.
const PREFETCH = new URLSearchParams(location.search).get("prefetch") !== "off";
const SUGGEST_AHEAD = PREFETCH ? 5 : 0;
const ADVANCE_KEY = "studio.tag.advance";

// A document's classes, as the ids the API sends, less any made since this page loaded (no button).
function classList(ids) {
  return ids.filter((id) => classIds.has(id)).sort((a, b) => a - b);
}

// A list row (no text) or a whole document, both with the same fields beside the text.
function remember(raw) {
  const known = cache.get(raw.id) || {};
  const doc = { ...known, id: raw.id, name: raw.name, split: raw.split, classes: classList(raw.classes) };
  if (typeof raw.text === "string") doc.text = raw.text;
  cache.set(doc.id, doc);
  return doc;
}

async function fetchPage() {
  if (inQueue) {
    // The tag-next queue came with the page: all of it is the list (untagged documents only).
    if (started) return [];
    started = true;
    cursor = null;
    for (const id of state.queue) if (!cache.has(id)) cache.set(id, { id, name: `Document ${id}`, classes: [], split: "auto", stub: true });
    return [...state.queue];
  }
  if (started && cursor === null) return [];
  const params = new URLSearchParams(state.query);
  if (cursor) params.set("cursor", cursor);
  const page = await api(`${base}/documents?${params}`);
  started = true;
  cursor = page.next; // the next page's cursor, or null after the last
  // A change made here before the page arrived wins over the page's older copy.
  return page.value.map((raw) => (cache.has(raw.id) ? cache.get(raw.id) : remember(raw)).id);
}

// The filter's list, found around the server-rendered document; navigation waits for it,
// tagging the first document does not.
let ready = Promise.resolve();

async function loadPage() {
  await ready;
  const ids = await fetchPage();
  for (const id of ids) if (!order.includes(id)) order.push(id);
  return ids.length > 0;
}

async function full(id) {
  const doc = cache.get(id);
  if (doc && typeof doc.text === "string") return doc;
  const raw = await api(`${base}/documents/${id}`);
  // Only the text is new. Keys pressed while the request was out (a tag, a split, an undo) have
  // changed the cached copy, which pending saves and undo entries refer to: keep that object.
  const known = cache.get(id);
  if (!known || known.stub) { cache.delete(id); return remember(raw); }
  known.text = raw.text;
  return known;
}

const el = {
  name: tagger?.querySelector("[data-doc-name]"),
  position: tagger?.querySelector("[data-doc-position]"),
  text: tagger?.querySelector("[data-doc-text]"),
  saveState: tagger?.querySelector("[data-save-state]"),
  suggestion: tagger?.querySelector("[data-suggestion]"),
  suggestionChips: tagger?.querySelector("[data-suggestion-chips]"),
  suggestionModel: tagger?.querySelector("[data-suggestion-model]"),
  advance: tagger?.querySelector("[data-advance]"),
  tagged: document.querySelector("[data-counter-tagged]"),
  total: document.querySelector("[data-counter-total]"),
  buttons: [...(tagger?.querySelectorAll(".class-button") || [])],
  splits: [...(tagger?.querySelectorAll("input[name=doc-split]") || [])],
};

function current() {
  return cache.get(order[position]);
}

function render() {
  const doc = current();
  if (!doc) return;
  const otherDocument = el.text.dataset.docId !== String(doc.id);
  const textArrived = typeof doc.text === "string" && el.text.dataset.loaded !== "true";
  if (otherDocument || textArrived || el.name.textContent !== doc.name) {
    el.name.textContent = doc.name;
    el.text.textContent = doc.text ?? "Loading…";
    el.text.dataset.loaded = String(typeof doc.text === "string");
    el.text.dataset.docId = String(doc.id);
    if (otherDocument) el.text.scrollTop = 0;
  }
  const of = cursor === null ? `${order.length}` : `${order.length}+`;
  el.position.textContent = `Document ${position + 1} of ${of} · ${state.filterLabel}`;
  for (const button of el.buttons) {
    button.setAttribute("aria-pressed", String(doc.classes.includes(Number(button.dataset.classId))));
  }
  renderSuggestion(doc);
  for (const radio of el.splits) radio.checked = radio.value === doc.split;
  el.tagged.textContent = counts.tagged;
  el.total.textContent = counts.total;
  const url = new URL(location.href);
  url.searchParams.set("doc", doc.id);
  history.replaceState(null, "", url);
}

function percent(value) {
  return `${Math.round(value * 100)}%`;
}

// The suggestion box and the dashed outline on the suggested classes' buttons.
function renderSuggestion(doc) {
  if (!el.suggestion) return;
  const found = suggestions.get(doc.id);
  const shown = Boolean(found && found.classes.length);
  el.suggestion.hidden = !shown;
  el.suggestion.dataset.docId = String(doc.id);
  const suggested = new Set(shown ? found.suggested : []);
  const confidence = new Map(shown ? found.classes.map((c) => [c.class, c.confidence]) : []);
  for (const button of el.buttons) {
    const name = button.querySelector(".class-name").textContent;
    const isSuggested = suggested.has(name);
    button.classList.toggle("suggested", isSuggested);
    // Multi-label: suggested classes show as pre-ticked (dashed) until a key decides the document.
    button.classList.toggle("preticked", state.multiLabel && isSuggested && undecided(doc));
    let badge = button.querySelector(".confidence");
    if (confidence.has(name)) {
      if (!badge) {
        badge = document.createElement("span");
        badge.className = "confidence";
        button.querySelector(".class-name").after(badge);
      }
      badge.textContent = percent(confidence.get(name));
      badge.title = isSuggested ? "Suggested by the model" : "The model's confidence";
    } else badge?.remove();
  }
  if (!shown) return;
  el.suggestionModel.textContent = suggestedBy ? `by ${suggestedBy}` : "";
  el.suggestionModel.title = suggestedBy ?? "";
  el.suggestionChips.replaceChildren();
  for (const c of found.classes) {
    const chip = document.createElement("li");
    chip.className = `suggestion-chip${suggested.has(c.class) ? " top" : ""}`;
    if (state.multiLabel && suggested.has(c.class)) chip.append("☐✓ ");
    const name = document.createElement("span");
    name.className = "name";
    name.textContent = name.title = c.class;
    chip.append(name, ` · ${percent(c.confidence)}`);
    chip.setAttribute("aria-label", `${suggested.has(c.class) ? "Suggested" : "Also likely"}: ${c.class}, ${percent(c.confidence)} confidence`);
    el.suggestionChips.append(chip);
  }
}

// Ask for the suggestions of the current document and the next few in one request.
async function prefetchSuggestions() {
  if (!el.suggestion) return;
  const ids = order.slice(position, position + SUGGEST_AHEAD + 1).filter((id) => !asked.has(id));
  if (!ids.length) return;
  for (const id of ids) asked.add(id);
  try {
    const answer = await api(`${base}/suggestions?document_ids=${ids.join(",")}`);
    suggestedBy = answer.model ? `${answer.model} v${answer.version}` : null;
    for (const item of answer.items) suggestions.set(item.document_id, item);
    if (ids.includes(order[position])) render();
  } catch {
    for (const id of ids) asked.delete(id); // a later move asks again
  }
}

function advanceOn() {
  return Boolean(el.advance?.checked);
}

// After a decision: the next document in the list (the queue, when it orders the page).
function advance() {
  if (!advanceOn()) return;
  if (position + 1 < order.length || cursor !== null) show(position + 1);
  else toast(inQueue ? "That was the last document in the queue." : "That was the last document in this filter.");
}

// Multi-label: no tags yet and no class key pressed on it here, so the suggestion stands.
function undecided(doc) {
  return !doc.classes.length && !decided.has(doc.id);
}

function suggestedIds(doc) {
  const found = suggestions.get(doc.id);
  if (!found) return [];
  return found.suggested.map((name) => byName.get(name)).filter((id) => id !== undefined).sort((a, b) => a - b);
}

// Enter: store the suggestion as the document's tags and move on. Multi-label, once a class key
// changed the document, Enter keeps what it has and moves on.
function accept() {
  const doc = current();
  if (!doc || !state.canEdit) return;
  if (state.multiLabel && !undecided(doc)) { advance(); return; }
  const ids = suggestedIds(doc);
  if (!ids.length) { toast("No suggestion for this document yet."); return; }
  const same = ids.length === doc.classes.length && ids.every((id, i) => id === doc.classes[i]);
  if (!same) setClasses(doc, ids);
  advance();
}

function setSaveState(text, kind = "") {
  el.saveState.textContent = text;
  el.saveState.dataset.kind = kind;
}

async function show(index) {
  await ready;
  if (index < 0) { toast("This is the first document in this filter."); return; }
  while (index >= order.length) {
    if (!(await loadPage())) { toast("That was the last document in this filter."); return; }
  }
  position = index;
  if (cache.get(order[index])?.stub) {
    // A queue entry not read yet: its name and split arrive with its text (prefetched ahead).
    el.text.textContent = "Loading…";
    await full(order[index]);
    if (position !== index) return;
  }
  render();
  prefetchSuggestions();
  const doc = await full(order[index]);
  if (order[position] === doc.id) render();
  prefetch();
}

function prefetch() {
  if (!PREFETCH) return;
  const nextId = order[position + 1];
  for (const id of order.slice(position + 2, position + 4)) full(id).catch(() => {});
  if (nextId !== undefined) full(nextId).catch(() => {});
  else if (cursor !== null) loadPage().then(() => order[position + 1] !== undefined && full(order[position + 1])).catch(() => {});
}

async function nextUntagged() {
  await ready;
  let index = position + 1;
  for (;;) {
    while (index < order.length) {
      if (!cache.get(order[index]).classes.length) return show(index);
      index += 1;
    }
    if (!(await loadPage())) { toast("No untagged document after this one in this filter."); return; }
  }
}

function adjustCount(before, after) {
  if (!before.length && after.length) counts.tagged += 1;
  if (before.length && !after.length) counts.tagged -= 1;
}

// Queue saves so that two quick keys on one document reach the server in order.
function save(doc, change, revert, { record = true } = {}) {
  const entry = record ? revert.entry : null;
  if (entry) undo.push(entry);
  setSaveState("Saving…");
  saving = saving.then(async () => {
    try {
      await change();
      setSaveState("Saved.", "ok");
    } catch (error) {
      revert.run();
      if (entry) undo.splice(undo.lastIndexOf(entry), 1);
      render();
      const message = `Not saved: ${error.message}. The change was put back.`;
      setSaveState(message, "error");
      toast(message, "error");
    }
  });
  return saving;
}

function setClasses(doc, classes, options) {
  const before = doc.classes;
  doc.classes = classes;
  adjustCount(before, classes);
  render();
  return save(
    doc,
    () => api(`${base}/documents/${doc.id}/tags`, { method: "PUT", body: { classes } }),
    { entry: { id: doc.id, classes: before }, run() { doc.classes = before; adjustCount(classes, before); } },
    options,
  );
}

function pick(classId) {
  const doc = current();
  if (!doc || !state.canEdit) return;
  let classes;
  if (state.multiLabel) {
    // The pre-ticked suggestion is where an untagged document's first toggle starts from.
    const start = undecided(doc) ? suggestedIds(doc) : doc.classes;
    decided.add(doc.id);
    classes = start.includes(classId) ? start.filter((id) => id !== classId) : [...start, classId].sort((a, b) => a - b);
  } else {
    if (doc.classes.length === 1 && doc.classes[0] === classId) { advance(); return; }
    classes = [classId];
  }
  setClasses(doc, classes);
  // Single-label: one key is the whole decision. Multi-label: Enter says the document is done.
  if (!state.multiLabel) advance();
}

function setSplit(doc, split, options) {
  if (!doc || !state.canEdit || doc.split === split) return;
  const before = doc.split;
  doc.split = split;
  render();
  return save(
    doc,
    () => api(`${base}/documents/${doc.id}`, { method: "PATCH", body: { split } }),
    { entry: { id: doc.id, split: before }, run() { doc.split = before; } },
    options,
  );
}

async function undoLast() {
  const entry = undo.pop();
  if (!entry) { toast("Nothing to undo."); return; }
  const index = order.indexOf(entry.id);
  if (index !== -1 && index !== position) await show(index);
  const doc = cache.get(entry.id);
  if (entry.classes) setClasses(doc, entry.classes, { record: false });
  else setSplit(doc, entry.split, { record: false });
  toast(`Undone on ${doc.name}.`);
}

// Colours come from data attributes (no inline styles), so a strict CSP still holds.
for (const item of document.querySelectorAll("[data-colour]")) item.style.setProperty("--swatch", item.dataset.colour);

if (tagger && state.document) {
  remember(state.document);
  order = [state.document.id];
  render();
  for (const button of el.buttons) button.addEventListener("click", () => pick(Number(button.dataset.classId)));
  for (const radio of el.splits) radio.addEventListener("change", () => setSplit(current(), radio.value));
  const actions = {
    prev: () => show(position - 1),
    next: () => show(position + 1),
    "next-untagged": nextUntagged,
    undo: undoLast,
    accept,
  };
  for (const button of document.querySelectorAll("[data-action]")) {
    const action = button.dataset.action === "help" ? showHelp : actions[button.dataset.action];
    button.addEventListener("click", () => action?.());
  }
  if (el.advance) {
    el.advance.checked = localStorage.getItem(ADVANCE_KEY) !== "off";
    el.advance.addEventListener("change", () => localStorage.setItem(ADVANCE_KEY, el.advance.checked ? "on" : "off"));
  }
  prefetchSuggestions();
  bindButtons();
  if (state.canEdit) {
    bind("s", () => {
      const doc = current();
      setSplit(doc, SPLITS[(SPLITS.indexOf(doc.split) + 1) % SPLITS.length]);
    }, "Cycle the split: auto, train, test");
  }
  const first = state.document.id;
  ready = (async () => {
    const ids = [];
    let more = true;
    while (!ids.includes(first) && more) {
      const page = await fetchPage();
      ids.push(...page);
      more = page.length > 0;
    }
    const keep = order.length ? order : [first];
    order = ids.includes(first) ? ids : [first, ...ids];
    position = order.indexOf(keep[position] ?? first);
    render();
    prefetch();
    prefetchSuggestions();
  })().catch((error) => {
    const message = `Could not load the document list, so J/K/N cannot move: ${error.message}`;
    toast(message, "error", 12000);
    if (!el.saveState.textContent) setSaveState(message, "error");
  });
} else {
  bindButtons();
  document.querySelector("[data-action=help]")?.addEventListener("click", showHelp);
}
