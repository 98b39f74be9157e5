// Improve model: loads the validation set's predictions from the review API (mistakes first,
// most confident first), filters them, and re-tags a document through the document tags API.
import { api, toast } from "./api.js";

const state = JSON.parse(document.getElementById("improve-state").textContent);
const form = document.getElementById("improve-form");
const list = document.getElementById("review-list");
const count = document.getElementById("improve-count");
const empty = document.getElementById("review-empty");
const base = `/api/projects/${encodeURIComponent(state.project)}`;

function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  Object.assign(node, props);
  node.append(...children.filter((child) => child !== null && child !== undefined));
  return node;
}

function chips(names, extra = "") {
  const box = el("span", { className: `chips ${extra}` });
  if (!names.length) box.append(el("span", { className: "muted" }, "none"));
  for (const name of names) box.append(el("span", { className: "badge chip" }, el("span", { className: "name", title: name }, name)));
  return box;
}

function percent(value) {
  return `${Math.round(value * 100)}%`;
}

function retagControls(item, tagsBox) {
  const wrap = el("form", { className: "retag inline-form" });
  const id = `retag-${item.id}`;
  let read;
  if (state.multiLabel) {
    const group = el("fieldset", { className: "retag-classes" }, el("legend", { className: "visually-hidden" }, `Classes of ${item.name}`));
    for (const c of state.classes) {
      const box = el("input", { type: "checkbox", value: String(c.id), checked: item.tags.includes(c.name) });
      group.append(el("label", { className: "checkbox" }, box, ` ${c.name}`));
    }
    wrap.append(group);
    read = () => [...group.querySelectorAll("input:checked")].map((box) => Number(box.value));
  } else {
    const select = el("select", { id, className: "input" });
    for (const c of state.classes) select.append(el("option", { value: String(c.id), selected: item.tags[0] === c.name }, c.name));
    wrap.append(el("label", { htmlFor: id }, "Tag as"), select);
    read = () => [Number(select.value)];
  }
  const save = el("button", { type: "submit", className: "button" }, "Save tag");
  wrap.append(save);
  wrap.addEventListener("submit", async (event) => {
    event.preventDefault();
    save.disabled = true;
    try {
      const answer = await api(`${base}/documents/${item.id}/tags`, { method: "PUT", body: { classes: read() } });
      item.tags = state.classes.filter((c) => answer.classes.includes(c.id)).map((c) => c.name);
      tagsBox.replaceChildren(chips(item.tags));
      toast(`Saved: ${item.name} is now tagged ${item.tags.join(", ") || "with nothing"}.`, "success");
    } catch (error) {
      toast(error.message, "error");
    } finally {
      save.disabled = false;
    }
  });
  return wrap;
}

function render(data) {
  list.replaceChildren();
  count.textContent = `· ${data.items.length} shown of ${data.matching} (validation set: ${data.validation_documents} documents, ${data.incorrect} wrong)`;
  empty.hidden = data.items.length > 0;
  for (const item of data.items) {
    const tagsBox = el("span", {}, chips(item.tags));
    const predicted = el("span", { className: "chips" });
    if (!item.predicted.length) predicted.append(el("span", { className: "muted" }, "no class"));
    for (const p of item.predicted) {
      predicted.append(el("span", { className: "badge chip predicted" }, `${p.class} · ${percent(p.confidence)}`));
    }
    const tagUrl = `/projects/${encodeURIComponent(state.project)}/tag/?doc=${encodeURIComponent(item.id)}`;
    const li = el(
      "li",
      { className: `review-item ${item.correct ? "correct" : "mistake"}` },
      el(
        "div",
        { className: "review-head" },
        el("strong", {}, item.name || `Document ${item.id}`),
        el("span", { className: `badge ${item.correct ? "ok" : "bad"}` }, item.correct ? "Correct" : "Mistake"),
        el("meter", { min: 0, max: 1, value: item.confidence, title: `Confidence ${percent(item.confidence)}`, ariaLabel: `Confidence ${percent(item.confidence)}` }),
        el("span", { className: "small muted" }, `${percent(item.confidence)} sure`),
      ),
      el("p", { className: "review-text clamp" }, item.exists ? item.text : "This document was deleted since training."),
      el(
        "dl",
        { className: "review-facts" },
        el("div", {}, el("dt", {}, "Tagged at training"), el("dd", {}, chips(item.expected))),
        el("div", {}, el("dt", {}, "Tags now"), el("dd", {}, tagsBox)),
        el("div", {}, el("dt", {}, "Predicted"), el("dd", {}, predicted)),
      ),
    );
    li.dataset.document = item.id;
    const actions = el("div", { className: "row-actions" });
    if (state.canEdit && item.exists) actions.append(retagControls(item, tagsBox));
    if (item.exists) actions.append(el("a", { className: "button", href: tagUrl }, "Open in tagging view"));
    li.append(actions);
    list.append(li);
  }
}

async function load() {
  if (!state.model) return;
  const params = new URLSearchParams({
    incorrect_only: document.getElementById("improve-incorrect").checked ? "true" : "false",
    true_class: document.getElementById("improve-true").value,
    predicted_class: document.getElementById("improve-predicted").value,
  });
  try {
    render(await api(`${base}/models/${encodeURIComponent(state.model)}/review?${params}`));
  } catch (error) {
    toast(error.message, "error");
  }
}

// Likely mislabelled: the worker's ranking after the last training, with a one-key fix.
const mislabelled = {
  list: document.getElementById("mislabelled-list"),
  status: document.getElementById("mislabelled-status"),
  count: document.getElementById("mislabelled-count"),
};
const classIds = new Map(state.classes.map((c) => [c.name, c.id]));

function snippet(text, length = 240) {
  return text.length > length ? `${text.slice(0, length).trimEnd()}…` : text;
}

async function fix(item, row) {
  if (!state.canEdit || row.dataset.fixed === "true") return;
  const suggested = classIds.get(item.suggested);
  if (suggested === undefined) { toast(`The class ${item.suggested} no longer exists.`, "error"); return; }
  const given = item.given.map((name) => classIds.get(name)).filter((id) => id !== undefined);
  // Single-label: the suggested class replaces the tag; multi-label: it is added.
  const classes = state.multiLabel ? [...new Set([...given, suggested])] : [suggested];
  const button = row.querySelector(".fix-button");
  if (button) button.disabled = true;
  try {
    await api(`${base}/documents/${item.document_id}/tags`, { method: "PUT", body: { classes } });
    row.dataset.fixed = "true";
    const now = state.multiLabel ? [...new Set([...item.given, item.suggested])] : [item.suggested];
    row.querySelector(".given-tags").replaceChildren(chips(now));
    row.classList.add("fixed");
    const done = el("span", { className: "badge ok fixed-badge" }, "Fixed");
    if (button) button.replaceWith(done);
    else row.querySelector(".row-actions").append(done);
    row.setAttribute("aria-label", `${item.name}: fixed, now tagged ${item.suggested}`);
    toast(`Fixed: ${item.name} is now tagged ${state.multiLabel ? [...item.given, item.suggested].join(", ") : item.suggested}.`, "success");
  } catch (error) {
    if (button) button.disabled = false;
    toast(error.message, "error");
  }
}

function renderMislabelled(data) {
  const { list, status, count } = mislabelled;
  list.replaceChildren();
  if (!data.computed_at) {
    status.textContent = "No training yet: train a model and the likely-mislabelled documents are found after it.";
    return;
  }
  const when = new Date(data.computed_at).toLocaleString();
  count.textContent = `· ${data.items.length} found by ${data.model || "the latest model"} (${when})`;
  status.textContent = data.note || (data.items.length ? "" : "Nothing looks mislabelled.");
  status.hidden = !status.textContent;
  for (const [index, item] of data.items.entries()) {
    const row = el(
      "li",
      { className: "mislabelled-item", tabIndex: index === 0 ? 0 : -1 },
      el(
        "div",
        { className: "review-head" },
        el("strong", {}, item.name || `Document ${item.document_id}`),
        el("meter", { min: 0, max: 1, value: item.score, title: `Score ${percent(item.score)}`, ariaLabel: `How likely the tag is wrong: ${percent(item.score)}` }),
        el("span", { className: "small muted" }, `${percent(item.score)} likely wrong`),
      ),
      el("p", { className: "review-text clamp" }, snippet(item.text)),
      el(
        "dl",
        { className: "review-facts" },
        el("div", {}, el("dt", {}, "Tagged"), el("dd", { className: "given-tags" }, chips(item.given))),
        el("div", {}, el("dt", {}, "Suggested"), el("dd", {}, chips([item.suggested], "suggested"))),
      ),
    );
    row.dataset.document = item.document_id;
    row.setAttribute("aria-label", `${item.name}: tagged ${item.given.join(", ") || "nothing"}, suggested ${item.suggested}, ${percent(item.score)} likely wrong`);
    const actions = el("div", { className: "row-actions" });
    if (state.canEdit) {
      const button = el("button", { type: "button", className: "button fix-button", tabIndex: -1 }, `Retag as ${item.suggested} `, el("kbd", {}, "F"));
      button.addEventListener("click", () => fix(item, row));
      actions.append(button);
    }
    const tagUrl = `/projects/${encodeURIComponent(state.project)}/tag/?doc=${encodeURIComponent(item.document_id)}&order=list`;
    actions.append(el("a", { className: "button", href: tagUrl, tabIndex: -1 }, "Open in tagging view"));
    row.append(actions);
    row.addEventListener("keydown", (event) => {
      if (event.ctrlKey || event.metaKey || event.altKey || event.target !== row) return;
      if (event.key === "f" || event.key === "F") { event.preventDefault(); fix(item, row); }
    });
    list.append(row);
  }
}

// Roving focus: one row is in the tab order; J/K and the arrows move between rows.
function moveFocus(event) {
  const keys = { j: 1, ArrowDown: 1, k: -1, ArrowUp: -1 };
  const step = keys[event.key];
  if (!step || event.ctrlKey || event.metaKey || event.altKey) return;
  const rows = [...mislabelled.list.children];
  const at = rows.indexOf(event.target);
  if (at === -1) return;
  event.preventDefault();
  const next = rows[Math.min(rows.length - 1, Math.max(0, at + step))];
  for (const row of rows) row.tabIndex = row === next ? 0 : -1;
  next.focus();
}

async function loadMislabelled() {
  if (!mislabelled.list) return;
  mislabelled.list.addEventListener("keydown", moveFocus);
  try {
    renderMislabelled(await api(`${base}/mislabelled?limit=100`));
  } catch (error) {
    mislabelled.status.textContent = `Could not load the list: ${error.message}`;
  }
}

loadMislabelled();

if (form) {
  form.addEventListener("change", (event) => {
    if (event.target.id === "improve-model") {
      // Another model has other suggestions: reload the page for it.
      window.location.search = new URLSearchParams({ model: event.target.value }).toString();
      return;
    }
    load();
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    load();
  });
  load();
}
