// The Train page: start a job (with an overwrite confirmation), then follow it live from the
// project's job events (project.js owns the websocket and re-dispatches each event), so the
// progress, loss chart, history and result update without a reload. Every event, API answer and
// the page's own data carry the same job JSON (progress events only the loss points that are new);
// the template renders the history table and this script only rewrites the row of a job that
// changed.
import { api, toast } from "./api.js";

const data = JSON.parse(document.getElementById("train-data").textContent);
const project = encodeURIComponent(data.project);
const FINAL = new Set(["succeeded", "failed", "cancelled"]);
const STATUS = data.statuses;
const RECENT_JOBS = 10;
const NAME_RE = /^[A-Za-z0-9_.-]{1,50}$/;
// The loss points a job keeps (training/progress.py): the latest ones.
const HISTORY_POINTS = 500;
// A queued job's place changes when other projects' jobs start or end, which this project's
// socket does not hear: while the watched job waits, the page reads it again this often.
const QUEUE_POLL_MS = 3000;
// A standard run expected to take longer than this is called long before Train is clicked.
const LONG_RUN_S = 5 * 60;
// Each phase in words. Only the timed ones (the documents' own work) show a percent and time
// left; splitting, reading the base model and writing the artifact take what they take.
const PHASES = {
  queued: "Queued, waiting for a worker",
  preparing: "Preparing the data…",
  loading: "Loading the base model…",
  encoding: "Embedding the documents",
  training: "Training the classifier",
  evaluating: "Evaluating on the validation and test documents",
  saving: "Saving the model…",
};
const TIMED = new Set(["encoding", "training", "evaluating"]);

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

// The server's ISO times are in its own zone, the one the template prints.
function when(iso) {
  return iso ? iso.slice(0, 19).replace("T", " ") : "—";
}

// "About 3 minutes": an estimate's precision.
function about(seconds) {
  if (seconds < 60) return "under a minute";
  const minutes = Math.round(seconds / 60);
  if (minutes < 90) return `about ${minutes} minute${minutes === 1 ? "" : "s"}`;
  return `about ${(seconds / 3600).toFixed(1)} hours`;
}

function plural(n, word) {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

// Where a queued job waits: its place among every project's waiting jobs (1: next).
function queueText(job) {
  const position = job.queue_position;
  if (position == null) return PHASES.queued;
  const ahead = position - 1;
  const running = job.queue_running ? "another project's job is training now" : "";
  if (!ahead && !running) return `Queued, position ${position}: starting as soon as the worker takes it`;
  const waits = ahead ? `${plural(ahead, "job")} ${ahead === 1 ? "waits" : "wait"} ahead of it` : "";
  return `Queued, position ${position}: ${[waits, running].filter(Boolean).join(" and ")}`;
}

function phaseText(job) {
  if (job.status === "notStarted") return queueText(job);
  if (job.status === "cancelling") return "Cancelling…";
  if (FINAL.has(job.status)) return STATUS[job.status];
  const phase = job.phase || "preparing";
  // Epochs count from 1: the engine reports the one in progress.
  if (phase === "training" && job.epochs) return `Training, epoch ${Math.max(1, job.epoch || 1)} of ${job.epochs}`;
  return PHASES[phase] || phase;
}

function timed(job) {
  return job.status === "running" && TIMED.has(job.phase);
}

function elapsed(job) {
  if (!job.started_at) return null;
  const end = job.ended_at ? new Date(job.ended_at) : new Date();
  return (end - new Date(job.started_at)) / 1000;
}

// ---- The history table

// The same cells as the template's row.
function fillRow(tr, job) {
  const name = document.createElement("th");
  name.scope = "row";
  const label = document.createElement("span");
  label.className = "name";
  label.textContent = label.title = job.model_name;
  name.append(label);
  const badge = document.createElement("span");
  badge.className = `badge status-${job.status}`;
  badge.textContent = STATUS[job.status] || job.status;
  const cell = (content, className) => {
    const td = document.createElement("td");
    if (className) td.className = className;
    td.append(content);
    return td;
  };
  const seconds = elapsed(job);
  const details = (job.errors || []).map((e) => e.message).join(" ") || (job.status === "succeeded" ? "Trained" : "");
  tr.replaceChildren(name, cell(badge), cell(job.mode || "—"), cell(when(job.started_at)), cell(seconds == null ? "—" : `${Math.round(seconds)} s`, "num"), cell(details));
}

function renderRow(job) {
  const body = $("jobs-table").tBodies[0];
  let tr = body.querySelector(`tr[data-job="${job.job_id}"]`);
  if (!tr) {
    body.querySelector("td.muted")?.parentElement.remove();
    tr = document.createElement("tr");
    tr.dataset.job = job.job_id;
    body.prepend(tr);
    while (body.rows.length > RECENT_JOBS) body.lastElementChild.remove();
  }
  fillRow(tr, job);
  markWatched();
}

function markWatched() {
  for (const tr of $("jobs-table").tBodies[0].rows) tr.classList.toggle("current", tr.dataset.job === watched);
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
  $("live-model").title = job.model_name;
  $("live-phase").textContent = phaseText(job);
  $("live-percent").textContent = timed(job) || FINAL.has(job.status) ? `${percent}%` : "—";
  $("live-elapsed").textContent = duration(elapsed(job));
  $("live-eta").textContent = !timed(job) ? "—" : job.eta_s != null ? duration(job.eta_s) : "estimating…";
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
    if (job.model?.f1 != null) {
      const f1 = document.createElement("strong");
      f1.textContent = `F1 ${job.model.f1.toFixed(3)} (version ${job.model.version}). `;
      p.append(f1);
    }
    const link = document.createElement("a");
    link.href = `/projects/${project}/performance/?model=${encodeURIComponent(job.model_name)}`;
    link.textContent = "See its evaluation";
    p.append(link);
    const noEval = (job.warnings || []).find((w) => w.code === "EvaluationUnavailable");
    if (noEval) p.append(` — no evaluation this time: ${noEval.message}`);
    else if (job.evaluation_status === "failed") p.append(" — no evaluation this time.");
    box.replaceChildren(p);
    if (job.model && data.models[job.model_name]?.version !== job.model.version) rememberModel(job.model_name, job.model);
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
    const state = active.status === "notStarted" ? "queued" : "running";
    blocked.replaceChildren(`A training job is ${state} in this project (${active.model_name}); one runs at a time. `);
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

// Events and API answers carry the whole job, so the newest simply replaces what the page knew;
// except that a running job's progress events carry only the loss points added since its previous
// event (`history_added`), which are appended to the history the page already holds.
function merge(payload) {
  const job = { ...payload };
  delete job.type;
  if (job.history_added) {
    const history = jobs.get(job.job_id)?.history || [];
    // Steps only grow within a job: a point the snapshot already held (an event sent while the
    // socket connected) is not drawn twice.
    const last = history.at(-1)?.step ?? -Infinity;
    job.history = [...history, ...job.history_added.filter((p) => p.step > last)].slice(-HISTORY_POINTS);
    delete job.history_added;
  }
  jobs.set(job.job_id, job);
  return job;
}

document.addEventListener("studio:job-event", ({ detail: event }) => {
  if (event.type === "snapshot") {
    // Oldest first, so a job the page has not seen lands above the older ones.
    for (const payload of [...(event.jobs || [])].reverse()) {
      const before = jobs.get(payload.job_id);
      const job = merge(payload);
      if (JSON.stringify(before) !== JSON.stringify(job)) renderRow(job);
    }
    activeId = event.active_job?.job_id || null;
    if (activeId) watched = activeId;
  } else {
    const job = merge(event);
    if (event.type === "job.created" || (!FINAL.has(job.status) && job.job_id !== watched)) watched = job.job_id;
    if (FINAL.has(job.status)) {
      if (activeId === job.job_id) activeId = null;
    } else activeId = job.job_id;
    renderRow(job);
  }
  renderLive();
  setLoss(jobs.get(watched)?.history || []);
  markWatched();
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

let polling = false;
setInterval(async () => {
  const job = jobs.get(watched);
  if (!job || job.status !== "notStarted" || polling) return;
  polling = true;
  try {
    const answer = await api(`/api/projects/${project}/jobs/${job.job_id}`);
    // A socket event that overtook the answer (the job started meanwhile) is the newer state.
    if (jobs.get(answer.job_id)?.status === "notStarted") {
      renderRow(merge(answer));
      renderLive();
    }
  } catch {
    // The next tick asks again; the socket still brings the start.
  } finally {
    polling = false;
  }
}, QUEUE_POLL_MS);

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

// Standard mode's expected duration, before Train is clicked: the server's estimate for the chosen
// split (the engine's automatic epoch count times its measured CPU rate), or, with epochs asked
// for under Advanced, that many epochs at the same rate.
function renderEstimate() {
  const box = $("standard-estimate");
  const estimate = data.readiness.splits[selectedSplit()]?.standard_estimate;
  if (form.querySelector("input[name=mode]:checked")?.value !== "standard" || !estimate) {
    box.hidden = true;
    return;
  }
  const asked = Number($("epochs").value) || 0;
  const epochs = asked || estimate.epochs;
  const seconds = asked ? asked * estimate.seconds_per_epoch : estimate.seconds;
  const split = data.readiness.splits[selectedSplit()];
  const why = asked ? "as asked under Advanced" : `chosen for ${plural(split.train, "training document")}`;
  let text = `Expected duration: ${about(seconds)} on this machine's CPU, an estimate for ${plural(epochs, "epoch")} (${why})`;
  text += estimate.may_stop_early && !asked ? ", or less if validation stops improving." : ".";
  const long = seconds > LONG_RUN_S;
  if (long) text += " That is a long wait: quick mode takes seconds, and fewer epochs (Advanced) take less.";
  box.classList.toggle("message-warning", long);
  box.textContent = text;
  box.hidden = false;
}

if (form) {
  for (const input of form.querySelectorAll("input[name=mode], input[name=split]")) input.addEventListener("change", renderEstimate);
  $("epochs").addEventListener("input", renderEstimate);
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
      const answer = await api(`/api/projects/${project}/train`, { method: "POST", body });
      // The socket's events may have overtaken the answer; they are the newer state.
      const job = jobs.get(answer.job_id) || merge(answer);
      watched = activeId = job.job_id;
      renderRow(job);
      renderLive();
      setLoss(job.history || []);
      // The worker may be busy with another project's job: "started" would not be true yet.
      const place = job.queue_position ? `, position ${job.queue_position}` : "";
      toast(job.status === "notStarted" ? `Training of ${job.model_name} is queued${place}.` : `Training of ${job.model_name} started.`, "ok");
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
    const answer = await api(`/api/projects/${project}/jobs/${job.job_id}/cancel`, { method: "POST" });
    // A cancelled event that overtook the answer ("cancelling") is the newer state.
    if (!FINAL.has(jobs.get(answer.job_id)?.status)) renderRow(merge(answer));
    renderLive();
  } catch (error) {
    toast(error.message, "error");
    cancelButton.disabled = false;
  }
});

// The template rendered the history; the live panel is painted from the page's own data, and the
// socket's snapshot then keeps both current.
markWatched();
if (watched) {
  renderLive();
  setLoss(jobs.get(watched)?.history || []);
}
if (form) {
  renderReadiness();
  renderEstimate();
}
updateTrainState();
