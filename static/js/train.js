// The Train page: start a job (with an overwrite confirmation), then follow it live from the
// project's job events (project.js owns the websocket and re-dispatches each event), so the
// progress, loss chart, history and result update without a reload.
import { api, toast } from "./api.js";

const data = JSON.parse(document.getElementById("train-data").textContent);
const project = encodeURIComponent(data.project);
const FINAL = new Set(["succeeded", "failed", "cancelled"]);
const STATUS = { notStarted: "Queued", running: "Running", succeeded: "Succeeded", failed: "Failed", cancelling: "Cancelling", cancelled: "Cancelled" };
const BADGE = { succeeded: "ok", failed: "danger", cancelled: "neutral", cancelling: "warn", running: "", notStarted: "neutral" };
const NAME_RE = /^[A-Za-z0-9_.-]{1,50}$/;

const $ = (id) => document.getElementById(id);
const form = $("train-form");
const trainButton = $("train-button");
const blocked = $("train-blocked");
const live = $("live");
const cancelButton = $("cancel-button");

const jobs = new Map(data.jobs.map((job) => [job.job_id, job]));
let watched = data.active_job?.job_id || data.jobs[0]?.job_id || null;
let activeId = data.active_job?.job_id || null;
let chart = null;
let lossPoints = [];

// ---- Formatting

function duration(seconds) {
  if (seconds == null || !isFinite(seconds)) return "—";
  seconds = Math.max(0, Math.round(seconds));
  const m = Math.floor(seconds / 60), s = seconds % 60;
  return m ? `${m} min ${String(s).padStart(2, "0")} s` : `${s} s`;
}

function when(iso) {
  if (!iso) return "—";
  const d = new Date(iso);
  const pad = (n) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

function phaseText(job) {
  if (job.status === "notStarted") return "Queued, waiting for a worker";
  if (job.status === "cancelling") return "Cancelling…";
  if (FINAL.has(job.status)) return STATUS[job.status];
  const phase = job.phase || "preparing";
  if (phase === "training" && job.epochs) return `Training, epoch ${job.epoch || 0} of ${job.epochs}`;
  const words = { preparing: "Preparing the data", encoding: "Encoding the documents", training: "Training", evaluating: "Evaluating on the test set", saving: "Saving the model" };
  return words[phase] || phase;
}

function elapsed(job) {
  if (!job.started_at) return null;
  const end = job.ended_at ? new Date(job.ended_at) : new Date();
  return (end - new Date(job.started_at)) / 1000;
}

// ---- The history table

function renderHistory() {
  const body = $("jobs-table").tBodies[0];
  const rows = [...jobs.values()].sort((a, b) => b.created_at.localeCompare(a.created_at)).slice(0, 10);
  body.replaceChildren();
  if (!rows.length) {
    body.innerHTML = '<tr><td colspan="6" class="muted">No training jobs yet.</td></tr>';
    return;
  }
  for (const job of rows) {
    const tr = document.createElement("tr");
    tr.dataset.job = job.job_id;
    const cells = [
      job.model_name,
      null,
      job.mode || "—",
      when(job.started_at),
      job.started_at ? duration(elapsed(job)) : "—",
      (job.errors || []).map((e) => e.message).join(" ") || (job.status === "succeeded" ? "Trained" : ""),
    ];
    cells.forEach((text, i) => {
      const cell = document.createElement(i === 0 ? "th" : "td");
      if (i === 0) cell.scope = "row";
      if (i === 4) cell.className = "num";
      if (i === 1) {
        const badge = document.createElement("span");
        badge.className = `badge ${BADGE[job.status] ?? ""}`.trim();
        badge.textContent = STATUS[job.status] || job.status;
        cell.append(badge);
      } else cell.textContent = text;
      tr.append(cell);
    });
    if (job.job_id === watched) tr.classList.add("current");
    body.append(tr);
  }
}

// ---- The live panel

function ensureChart() {
  if (chart || !window.Chart) return chart;
  const css = (name) => getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  window.Chart.defaults.color = css("--text");
  window.Chart.defaults.borderColor = css("--border");
  chart = new window.Chart($("loss-chart"), {
    type: "line",
    data: { datasets: [{ label: "Training loss", data: [], borderColor: css("--accent"), backgroundColor: css("--accent"), pointRadius: 0, borderWidth: 2, tension: 0.2 }] },
    options: {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      parsing: false,
      scales: { x: { type: "linear", title: { display: true, text: "Step" }, ticks: { precision: 0 } }, y: { title: { display: true, text: "Loss" }, beginAtZero: true } },
      plugins: { legend: { display: false } },
    },
  });
  return chart;
}

function setLoss(points) {
  lossPoints = points.filter((p) => p.loss != null).map((p, i) => ({ x: p.step ?? i, y: p.loss }));
  drawLoss();
}

function drawLoss() {
  const job = jobs.get(watched);
  const box = document.querySelector(".loss-box");
  const note = $("loss-note");
  if (!lossPoints.length) {
    box.hidden = true;
    note.textContent = job?.mode === "quick" || job?.mode == null
      ? "Quick mode fits a linear head on frozen embeddings in one pass, so there is no loss curve; standard mode draws one here."
      : "The loss curve appears once the first training steps are done.";
    return;
  }
  box.hidden = false;
  note.textContent = "";
  const c = ensureChart();
  if (!c) return;
  c.data.datasets[0].data = lossPoints;
  c.update("none");
}

function renderLive() {
  const job = jobs.get(watched);
  if (!job) return;
  live.hidden = false;
  const bar = $("live-progress");
  const percent = job.status === "succeeded" ? 100 : Math.round(job.percent || 0);
  bar.firstElementChild.style.width = `${percent}%`;
  bar.setAttribute("aria-valuenow", String(percent));
  bar.classList.toggle("failed", job.status === "failed");
  bar.classList.toggle("cancelled", job.status === "cancelled");
  $("live-model").textContent = `Model ${job.model_name} · ${STATUS[job.status] || job.status}`;
  $("live-phase").textContent = phaseText(job);
  $("live-percent").textContent = `${percent}%`;
  $("live-elapsed").textContent = duration(elapsed(job));
  $("live-eta").textContent = FINAL.has(job.status) ? "—" : job.eta_s != null ? duration(job.eta_s) : "estimating…";
  if (cancelButton) {
    cancelButton.hidden = FINAL.has(job.status);
    cancelButton.disabled = job.status === "cancelling";
  }
  renderResult(job);
}

function renderResult(job) {
  const box = $("live-result");
  if (!FINAL.has(job.status)) {
    box.replaceChildren();
    return;
  }
  if (box.dataset.job === job.job_id && box.dataset.status === job.status) return;
  box.dataset.job = job.job_id;
  box.dataset.status = job.status;
  const p = document.createElement("p");
  if (job.status === "succeeded") {
    p.className = "message message-success result";
    p.append(`Training of ${job.model_name} succeeded. `);
    const link = document.createElement("a");
    link.href = `/projects/${project}/performance/?model=${encodeURIComponent(job.model_name)}`;
    link.textContent = "See its evaluation";
    p.append(link);
    const noEval = (job.warnings || []).find((w) => w.code === "EvaluationUnavailable");
    if (noEval) p.append(` — no evaluation this time: ${noEval.message}`);
    else if (job.evaluation_status === "failed") p.append(" — no evaluation this time.");
    box.replaceChildren(p);
    api(`/api/projects/${project}/jobs/${job.job_id}`).then((full) => {
      Object.assign(job, { warnings: full.warnings });
      if (full.model) {
        rememberModel(job.model_name, full.model);
        if (full.model.f1 != null) {
          const f1 = document.createElement("strong");
          f1.textContent = `F1 ${full.model.f1.toFixed(3)} (version ${full.model.version}). `;
          p.insertBefore(f1, p.childNodes[1]);
        }
      }
      const missing = (full.warnings || []).find((w) => w.code === "EvaluationUnavailable");
      if (missing && !noEval) p.append(` — no evaluation this time: ${missing.message}`);
    }).catch(() => {});
  } else if (job.status === "failed") {
    p.className = "message message-error result";
    p.textContent = `Training of ${job.model_name} failed: ${(job.errors || []).map((e) => e.message).join(" ") || "no reason given."}`;
    box.replaceChildren(p);
  } else {
    p.className = "message result";
    p.textContent = `Training of ${job.model_name} was cancelled; nothing about the model changed.`;
    box.replaceChildren(p);
  }
}

// A model trained while the page is open joins the Model name list, so retraining it needs no
// reload and gets the same overwrite confirmation.
function rememberModel(name, model) {
  data.models[name] = { trained_at: model.trained_at, f1: model.f1, version: model.version };
  const select = $("model-choice");
  if (!select) return;
  let option = [...select.options].find((o) => o.value === name);
  if (!option) {
    $("model-choice-state").textContent = "Retrain an existing model (its trained state is replaced when the new run succeeds) or create a new one.";
    option = new Option(name, name);
    select.append(option);
    if (select.value === "" && $("model-name").value === name) {
      $("model-name").value = "";
      select.value = name;
      select.dispatchEvent(new Event("change"));
    }
  }
  const f1 = model.f1 != null ? model.f1.toFixed(3) : "—";
  option.textContent = `${name} · trained ${when(model.trained_at).slice(0, 16)} · F1 ${f1}`;
}

// ---- Train button state

function updateTrainState() {
  if (!trainButton) return;
  const active = activeId ? jobs.get(activeId) : null;
  if (active && !FINAL.has(active.status)) {
    trainButton.disabled = true;
    blocked.replaceChildren(`A training job is running in this project (${active.model_name}); one runs at a time. `);
    const link = document.createElement("a");
    link.href = "#live-title";
    link.textContent = "Follow it below";
    blocked.append(link, ".");
  } else if (!data.readiness.can_train) {
    trainButton.disabled = true;
    blocked.textContent = data.readiness.blocker;
  } else {
    trainButton.disabled = false;
    blocked.textContent = "";
  }
}

// ---- Events from the project's socket (see project.js)

function merge(payload) {
  const known = jobs.get(payload.job_id) || {};
  const job = { ...known, ...payload };
  delete job.type;
  jobs.set(job.job_id, job);
  return job;
}

document.addEventListener("studio:job-event", ({ detail: event }) => {
  if (event.type === "snapshot") {
    for (const payload of event.jobs || []) merge(payload);
    activeId = event.active_job?.job_id || null;
    if (activeId) {
      if (watched !== activeId) lossPoints = [];
      watched = activeId;
      // A reconnect may have missed steps: the full row carries the whole loss history.
      api(`/api/projects/${project}/jobs/${activeId}`).then((full) => { merge(full); setLoss(full.history || []); }).catch(() => {});
    }
  } else {
    const job = merge(event);
    if (event.type === "job.created" || (!FINAL.has(job.status) && job.job_id !== watched)) {
      watched = job.job_id;
      lossPoints = [];
    }
    if (FINAL.has(job.status)) {
      if (activeId === job.job_id) activeId = null;
    } else activeId = job.job_id;
    if (job.job_id === watched && event.loss != null && event.epoch) {
      const point = { x: event.step ?? lossPoints.length, y: event.loss };
      const last = lossPoints[lossPoints.length - 1];
      if (!last || last.x !== point.x) lossPoints.push(point);
      drawLoss();
    }
  }
  renderLive();
  renderHistory();
  updateTrainState();
});

// The socket's own state, shown next to the live panel's title.
const connection = $("live-connection");
let lastEvent = 0;
document.addEventListener("studio:job-event", () => {
  lastEvent = Date.now();
  connection.textContent = "live";
  connection.className = "badge ok";
});

setInterval(() => {
  const job = jobs.get(watched);
  if (job && !FINAL.has(job.status)) $("live-elapsed").textContent = duration(elapsed(job));
  if (lastEvent && Date.now() - lastEvent > 60000 && job && !FINAL.has(job.status)) connection.textContent = "live (quiet)";
}, 1000);

// ---- The form

const choice = $("model-choice");
const nameField = $("new-model-field");
const nameInput = $("model-name");
const nameError = $("model-name-error");
const formError = $("train-error");

function checkName() {
  const value = nameInput.value;
  let message = "";
  if (!value) message = "Name the new model.";
  else if (/\s/.test(value)) message = "Spaces are not allowed in a model name.";
  else if (value.length > 50) message = "A model name has at most 50 characters.";
  else if (!NAME_RE.test(value)) message = "Only letters, digits, underscores (_), dots (.) and hyphens (-) are allowed.";
  else if (data.models[value]) message = `${value} already exists: pick it in the Model name list to retrain it.`;
  nameError.textContent = message;
  nameInput.setAttribute("aria-invalid", message ? "true" : "false");
  return !message;
}

function selectedSplit() {
  return form?.querySelector("input[name=split]:checked")?.value || "automatic";
}

function renderReadiness() {
  const split = data.readiness.splits[selectedSplit()];
  for (const part of ["train", "validation", "test"]) document.querySelector(`#split-facts [data-part=${part}]`).textContent = split[part];
  const note = $("evaluation-note");
  note.className = `message ${split.evaluation ? "message-success" : "message-warning"}`;
  note.textContent = split.evaluation
    ? `Evaluation will run on the ${split.test} test documents.`
    : `Training will run, but there will be no evaluation: ${split.reason}`;
}

if (form) {
  const showName = () => {
    nameField.hidden = choice.value !== "";
  };
  choice.addEventListener("change", showName);
  showName();
  nameInput.addEventListener("input", () => {
    if (nameError.textContent) checkName();
  });
  nameInput.addEventListener("blur", () => nameInput.value && checkName());
  for (const radio of form.querySelectorAll("input[name=split]")) radio.addEventListener("change", renderReadiness);

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    formError.hidden = true;
    const existing = choice.value;
    if (!existing && !checkName()) {
      nameInput.focus();
      return;
    }
    const modelName = existing || nameInput.value;
    if (existing) {
      const confirmed = await confirmOverwrite(existing);
      if (!confirmed) return;
    }
    const body = {
      model_name: modelName,
      mode: form.querySelector("input[name=mode]:checked").value,
      split: selectedSplit(),
      seed: Number($("seed").value || 42),
      base_model: $("base-model").value.trim(),
      overwrite: Boolean(existing),
    };
    const epochs = $("epochs").value;
    if (epochs) body.epochs = Number(epochs);
    trainButton.disabled = true;
    try {
      const job = await api(`/api/projects/${project}/train`, { method: "POST", body });
      merge(job);
      watched = activeId = job.job_id;
      lossPoints = [];
      renderLive();
      renderHistory();
      drawLoss();
      toast(`Training of ${job.model_name} started.`, "ok");
      $("live-title").scrollIntoView({ block: "start", behavior: "smooth" });
    } catch (error) {
      const target = error.body?.error?.details?.[0]?.target || error.body?.error?.target;
      if (!existing && target && /model_?name/i.test(target)) {
        nameError.textContent = error.message;
        nameInput.focus();
      } else {
        formError.textContent = error.message;
        formError.hidden = false;
      }
    } finally {
      updateTrainState();
    }
  });
}

const dialog = $("overwrite-dialog");

function confirmOverwrite(name) {
  const model = data.models[name] || {};
  for (const el of dialog.querySelectorAll("[data-field=name]")) el.textContent = name;
  dialog.querySelector("[data-field=date]").textContent = when(model.trained_at);
  dialog.querySelector("[data-field=f1]").textContent = model.f1 != null ? model.f1.toFixed(3) : "— (no evaluation)";
  dialog.returnValue = "";
  dialog.showModal();
  // Escape closes with returnValue "" and so, like Cancel, changes nothing.
  return new Promise((resolve) => dialog.addEventListener("close", () => {
    trainButton.focus();
    resolve(dialog.returnValue === "confirm");
  }, { once: true }));
}

cancelButton?.addEventListener("click", async () => {
  const job = jobs.get(watched);
  if (!job) return;
  cancelButton.disabled = true;
  try {
    merge(await api(`/api/projects/${project}/jobs/${job.job_id}/cancel`, { method: "POST" }));
    renderLive();
    renderHistory();
  } catch (error) {
    toast(error.message, "error");
    cancelButton.disabled = false;
  }
});

// First paint from the page's own data; the socket's snapshot then keeps it current.
renderHistory();
if (watched) {
  renderLive();
  setLoss(jobs.get(watched)?.history || []);
}
if (form) renderReadiness();
updateTrainState();
