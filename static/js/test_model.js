// Test model page: classify pasted or uploaded text with a deployment; show classes with bars.
import { api } from "./api.js";

const project = document.querySelector(".shell").dataset.project;
const form = document.getElementById("test-form");
const text = document.getElementById("test-text");

document.getElementById("test-file")?.addEventListener("change", async (event) => {
  const file = event.target.files[0];
  if (file) text.value = await file.text();
});

function rows(list, items) {
  list.replaceChildren(
    ...items.map(({ category, confidence }) => {
      const item = document.createElement("li");
      const label = document.createElement("span");
      label.className = "prediction-label";
      label.textContent = `${category} · ${(confidence * 100).toFixed(1)}%`;
      const bar = document.createElement("div");
      bar.className = "progress";
      bar.setAttribute("role", "meter");
      bar.setAttribute("aria-valuemin", "0");
      bar.setAttribute("aria-valuemax", "100");
      bar.setAttribute("aria-valuenow", (confidence * 100).toFixed(1));
      bar.setAttribute("aria-label", `${category} confidence`);
      const fill = document.createElement("span");
      fill.style.width = `${Math.round(confidence * 100)}%`;
      bar.append(fill);
      item.append(label, bar);
      return item;
    }),
  );
}

form?.addEventListener("submit", async (event) => {
  event.preventDefault();
  const deployment = form.elements.deployment.value;
  const box = document.getElementById("test-result");
  const error = document.getElementById("test-error");
  const button = document.getElementById("test-run");
  button.disabled = true;
  const started = performance.now();
  try {
    const data = await api(
      `/api/projects/${encodeURIComponent(project)}/deployments/${encodeURIComponent(deployment)}/classify`,
      { method: "POST", body: { documents: [{ id: "1", text: text.value }] } },
    );
    const result = data.documents[0];
    box.hidden = false;
    const total = Math.round(performance.now() - started);
    document.getElementById("test-time").textContent =
      `${data.model} v${data.modelVersion} · ${total} ms in all (${Math.round(data.elapsedMs)} ms on the server)`;
    error.hidden = !result.error;
    error.textContent = result.error ? result.error.message : "";
    rows(document.getElementById("test-classes"), result.classes || []);
    rows(document.getElementById("test-alternatives"), result.alternatives || []);
  } catch (failure) {
    box.hidden = false;
    error.hidden = false;
    error.textContent = failure.message;
  } finally {
    button.disabled = false;
  }
});
