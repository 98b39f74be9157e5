// Test model page: classify pasted or uploaded text with a deployment; show the chosen class(es)
// and the other top classes with confidence bars, and how long the answer took.
import { api } from "./api.js";

const project = document.querySelector(".shell").dataset.project;
const form = document.getElementById("test-form");
const text = document.getElementById("test-text");
const colours = JSON.parse(document.getElementById("class-colours")?.textContent || "{}");

document.getElementById("test-file")?.addEventListener("change", async (event) => {
  const file = event.target.files[0];
  if (file) text.value = await file.text();
});

function percent(confidence) {
  return `${(confidence * 100).toFixed(1)}%`;
}

function rows(list, items) {
  list.replaceChildren(
    ...items.map(({ category, confidence }) => {
      const item = document.createElement("li");
      const label = document.createElement("span");
      label.className = "prediction-label name";
      label.textContent = label.title = category;
      const bar = document.createElement("div");
      bar.className = "progress";
      bar.setAttribute("role", "meter");
      bar.setAttribute("aria-valuemin", "0");
      bar.setAttribute("aria-valuemax", "100");
      bar.setAttribute("aria-valuenow", (confidence * 100).toFixed(1));
      bar.setAttribute("aria-label", `${category} confidence`);
      const fill = document.createElement("span");
      fill.style.width = `${Math.max(1, Math.round(confidence * 100))}%`;
      if (colours[category]) fill.style.background = colours[category];
      bar.append(fill);
      const value = document.createElement("span");
      value.className = "prediction-value";
      value.textContent = percent(confidence);
      item.append(label, bar, value);
      return item;
    }),
  );
}

function timing(total, data) {
  const box = document.getElementById("test-time");
  const part = (name, value) => {
    const span = document.createElement("span");
    const strong = document.createElement("strong");
    strong.textContent = `${value.toLocaleString()} ms`;
    span.append(`${name} `, strong);
    return span;
  };
  const model = document.createElement("span");
  model.textContent = `${data.model} v${data.model_version}`;
  box.replaceChildren(
    model,
    part("Time taken:", total),
    part("on the server:", Math.round(data.elapsed_ms)),
  );
}

form?.addEventListener("submit", async (event) => {
  event.preventDefault();
  const deployment = form.elements.deployment.value;
  const box = document.getElementById("test-result");
  const answer = document.getElementById("test-answer");
  const error = document.getElementById("test-error");
  const button = document.getElementById("test-run");
  button.disabled = true;
  button.textContent = "Classifying…";
  const started = performance.now();
  try {
    const data = await api(
      `/api/projects/${encodeURIComponent(project)}/deployments/${encodeURIComponent(deployment)}/classify`,
      { method: "POST", body: { documents: [{ id: "1", text: text.value }] } },
    );
    const result = data.documents[0];
    box.hidden = false;
    error.hidden = !result.error;
    error.textContent = result.error ? result.error.message : "";
    answer.hidden = Boolean(result.error);
    if (!result.error) {
      timing(Math.round(performance.now() - started), data);
      const chosen = result.classes || [];
      const picked = new Set(chosen.map((c) => c.category));
      rows(document.getElementById("test-classes"), chosen);
      document.getElementById("test-none").hidden = chosen.length > 0;
      rows(
        document.getElementById("test-alternatives"),
        (result.alternatives || []).filter((c) => !picked.has(c.category)),
      );
    }
  } catch (failure) {
    box.hidden = false;
    answer.hidden = true;
    error.hidden = false;
    error.textContent = failure.message;
  } finally {
    button.disabled = false;
    button.textContent = "Classify";
  }
});
