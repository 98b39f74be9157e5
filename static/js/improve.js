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
