// Deploy page: create or replace a deployment, swap two, delete one (after confirmation), and
// the hand-off's copy buttons.
import { api, toast } from "./api.js";
import { confirmAction } from "./confirm.js";
import "./copy.js";

const project = document.querySelector(".shell").dataset.project;
const base = `/api/projects/${encodeURIComponent(project)}/deployments`;

async function run(action, done) {
  try {
    await action();
    toast(done, "success");
    window.location.reload();
  } catch (error) {
    toast(error.message, "error");
  }
}

document.getElementById("deploy-form")?.addEventListener("submit", (event) => {
  event.preventDefault();
  const form = event.target;
  const name = form.elements.name.value.trim();
  const body = { model: form.elements.model.value, quantize: form.elements.quantize.checked };
  run(() => api(`${base}/${encodeURIComponent(name)}`, { method: "PUT", body }), `Deployed ${body.model} as ${name}.`);
});

document.getElementById("swap-form")?.addEventListener("submit", (event) => {
  event.preventDefault();
  const form = event.target;
  const body = { first: form.elements.first.value, second: form.elements.second.value };
  run(() => api(`${base}/swap`, { method: "POST", body }), `Swapped ${body.first} and ${body.second}.`);
});

for (const button of document.querySelectorAll(".delete-deployment")) {
  button.addEventListener("click", async () => {
    const name = button.dataset.name;
    const ok = await confirmAction({
      title: `Delete the deployment ${name}?`,
      text: `Applications calling ${name} get errors from now on. The trained model stays; deploy it again to bring ${name} back.`,
      ok: `Delete ${name}`,
    });
    if (!ok) { button.focus(); return; }
    run(() => api(`${base}/${encodeURIComponent(name)}`, { method: "DELETE" }), `Deleted ${name}.`);
  });
}
