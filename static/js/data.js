// The Data page: upload with a live import report, class management, bulk actions on the
// documents table. Every change goes through the studio API; the page then reloads to show it.
import { api, toast } from "./api.js";

const state = JSON.parse(document.getElementById("data-state").textContent);
const base = `/api/projects/${encodeURIComponent(state.project)}`;

for (const item of document.querySelectorAll("[data-colour]")) item.style.setProperty("--swatch", item.dataset.colour);

// A message survives the reload that shows the change.
const NOTE = "studio:data-note";
const note = sessionStorage.getItem(NOTE);
if (note) { sessionStorage.removeItem(NOTE); toast(note, "ok"); }
function reloadWith(message) {
  sessionStorage.setItem(NOTE, message);
  location.reload();
}
function failed(error) {
  toast(error.message, "error", 9000);
}

// ---- Confirmation dialog: resolves with the form's data, or null when cancelled.
const dialog = document.getElementById("confirm-dialog");
function confirmDialog({ title, text, ok = "OK", danger = false, extra = null }) {
  dialog.querySelector("[data-confirm-title]").textContent = title;
  dialog.querySelector("[data-confirm-text]").textContent = text;
  const slot = dialog.querySelector("[data-confirm-extra]");
  slot.replaceChildren(...(extra ? [extra] : []));
  const okButton = dialog.querySelector("[data-confirm-ok]");
  okButton.textContent = okButton.title = ok;
  okButton.className = `button ${danger ? "danger" : "primary"}`;
  dialog.returnValue = "";
  dialog.showModal();
  (slot.querySelector("input, select") || okButton).focus();
  return new Promise((resolve) => {
    dialog.addEventListener("close", () => {
      resolve(dialog.returnValue === "ok" ? new FormData(dialog.querySelector("form")) : null);
    }, { once: true });
  });
}
function field(label, input) {
  const wrap = document.createElement("div");
  wrap.className = "form";
  const text = document.createElement("label");
  text.textContent = label;
  text.htmlFor = input.id;
  wrap.append(text, input);
  return wrap;
}

// ---- Upload and import report
const uploadForm = document.querySelector("[data-upload-form]");
if (uploadForm) {
  const input = uploadForm.querySelector("input[type=file]");
  const zone = uploadForm.querySelector("[data-dropzone]");
  const chosen = uploadForm.querySelector("[data-chosen]");
  const button = uploadForm.querySelector("[data-upload-button]");
  const progress = document.querySelector("[data-import-progress]");
  const bar = document.querySelector("[data-import-bar]");
  const status = document.querySelector("[data-import-status]");
  const report = document.querySelector("[data-import-report]");
  let files = [];

  function choose(list) {
    files = [...list];
    chosen.replaceChildren(...files.map((file) => {
      const li = document.createElement("li");
      li.textContent = `${file.name} (${Math.max(1, Math.round(file.size / 1024))} KB)`;
      return li;
    }));
    button.disabled = files.length === 0;
    button.textContent = files.length ? `Import ${files.length} file${files.length > 1 ? "s" : ""}` : "Import";
  }
  input.addEventListener("change", () => choose(input.files));
  zone.addEventListener("keydown", (event) => {
    if (event.key === "Enter" || event.key === " ") { event.preventDefault(); input.click(); }
  });
  zone.tabIndex = 0;
  for (const type of ["dragenter", "dragover"]) zone.addEventListener(type, (event) => { event.preventDefault(); zone.classList.add("over"); });
  for (const type of ["dragleave", "drop"]) zone.addEventListener(type, () => zone.classList.remove("over"));
  zone.addEventListener("drop", (event) => { event.preventDefault(); choose(event.dataTransfer.files); });

  function setProgress(done, total, text) {
    const percent = total ? Math.round((100 * done) / total) : 0;
    bar.style.width = `${percent}%`;
    bar.parentElement.setAttribute("aria-valuenow", String(percent));
    status.textContent = text || (total ? `Checked ${done} of ${total} (${percent}%)` : "Importing…");
  }

  function showReport(result) {
    const imported = result.imported ?? result.created ?? result.documents ?? 0;
    const errors = result.errors ?? result.rejected ?? [];
    const warnings = result.warnings ?? [];
    report.hidden = false;
    report.replaceChildren();
    const head = document.createElement("p");
    head.className = errors.length ? "message message-warning" : "message message-success";
    const replaced = result.replaced ? `, ${result.replaced} replaced` : "";
    const skipped = result.skipped ? `, ${result.skipped} skipped as duplicates` : "";
    head.textContent = `${imported} document${imported === 1 ? "" : "s"} imported${replaced}${skipped}; ${errors.length} rejected${warnings.length ? `, ${warnings.length} with a warning` : ""}.`;
    report.append(head);
    const repairs = Object.entries(result.class_repairs ?? {});
    if (repairs.length && errors.length) {
      const offer = document.createElement("p");
      offer.className = "small";
      offer.textContent = `Class names Azure forbids: ${repairs.map(([bad, good]) => `${bad} → ${good}`).join(", ")}. Tick "Repair class names" and import again to keep their documents.`;
      report.append(offer);
    }
    if (errors.length || warnings.length) {
      const table = document.createElement("table");
      table.className = "table small";
      table.createTHead().insertRow().append(...["File or line", "Reason"].map((label) => {
        const th = document.createElement("th");
        th.scope = "col";
        th.textContent = label;
        return th;
      }));
      const body = table.createTBody();
      for (const error of [...errors, ...warnings]) {
        const row = body.insertRow();
        const where = [error.file ?? error.name, error.line ? `line ${error.line}` : error.row ? `row ${error.row}` : ""].filter(Boolean).join(" · ");
        const name = document.createElement("span");
        name.className = "name";
        name.textContent = name.title = where || error.target || "—";
        row.insertCell().append(name);
        row.insertCell().textContent = error.reason ?? error.message ?? String(error);
      }
      report.append(table);
    }
    const again = document.createElement("p");
    const link = document.createElement("a");
    link.href = location.pathname;
    link.textContent = "Refresh the documents table";
    again.append(link);
    report.append(again);
    report.focus();
  }

  async function poll(jobId) {
    for (;;) {
      const job = await api(`${base}/imports/${encodeURIComponent(jobId)}`);
      const total = job.total ?? job.progress?.total ?? 0;
      const done = job.done ?? job.processed ?? job.progress?.done ?? 0;
      setProgress(done, total, job.status === "queued" ? "Waiting for a worker to start the import…" : undefined);
      if (["succeeded", "failed", "cancelled"].includes(job.status)) return job;
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }

  uploadForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!files.length) return;
    const form = new FormData();
    for (const file of files) form.append("files", file, file.name);
    form.append("duplicates", uploadForm.querySelector("input[name=duplicates]:checked").value);
    form.append("repair_class_names", String(uploadForm.querySelector("input[name=repair_class_names]").checked));
    button.disabled = true;
    report.hidden = true;
    progress.hidden = false;
    setProgress(0, 0, "Uploading…");
    try {
      let result = await api(`${base}/imports`, { method: "POST", form });
      const jobId = result.job_id ?? result.jobId ?? (result.status && result.status !== "succeeded" ? result.id : null);
      if (jobId) result = await poll(jobId);
      if (result.status === "failed") throw new Error(result.error?.message ?? result.message ?? "The import failed.");
      setProgress(1, 1, "Done.");
      showReport(result.result ?? result.report ?? result);
      choose([]);
      input.value = "";
    } catch (error) {
      progress.hidden = true;
      failed(error);
      button.disabled = false;
    }
  });
}

// ---- Classes
const createForm = document.querySelector("[data-class-create]");
// The browser stops typing at maxlength without a word; the counter says where the limit is.
const nameInput = createForm?.querySelector("input[name=name]");
const nameCount = createForm?.querySelector("[data-name-count]");
function countName() {
  const limit = nameInput.maxLength;
  const full = nameInput.value.length >= limit;
  nameCount.textContent = `${nameInput.value.length}/${limit}${full ? ` · a class name has at most ${limit} characters` : ""}`;
  nameCount.classList.toggle("full", full);
}
nameInput?.addEventListener("input", countName);
createForm?.addEventListener("submit", async (event) => {
  event.preventDefault();
  const data = new FormData(createForm);
  try {
    await api(`${base}/classes`, { method: "POST", body: { name: data.get("name").trim(), colour: data.get("colour") } });
    reloadWith(`Class ${data.get("name").trim()} created.`);
  } catch (error) { failed(error); }
});

const rows = [...document.querySelectorAll("[data-class-row]")];
for (const row of rows) {
  const id = Number(row.dataset.classId);
  const name = row.dataset.className;
  const tags = Number(row.dataset.tagCount);
  const url = `${base}/classes/${id}`;
  row.querySelector("[data-class-action=recolour]")?.addEventListener("change", async (event) => {
    try {
      await api(url, { method: "PATCH", body: { colour: event.target.value } });
      row.querySelector(".swatch").style.setProperty("--swatch", event.target.value);
      toast(`Colour of ${name} saved.`, "ok");
    } catch (error) { failed(error); }
  });
  for (const button of row.querySelectorAll("button[data-class-action]")) {
    button.addEventListener("click", () => classAction(button.dataset.classAction, { id, name, tags, url, row }));
  }
}

async function classAction(action, { id, name, tags, url, row }) {
  try {
    if (action === "rename") {
      const input = Object.assign(document.createElement("input"), { id: "rename-input", name: "name", value: name, required: true, maxLength: 50, className: "input" });
      const data = await confirmDialog({ title: `Rename ${name}`, text: "Tags keep pointing at the class under its new name.", ok: "Rename", extra: field("New name", input) });
      if (!data) return;
      await api(url, { method: "PATCH", body: { name: data.get("name").trim() } });
      reloadWith(`Renamed ${name} to ${data.get("name").trim()}.`);
    } else if (action === "up" || action === "down") {
      const ids = rows.map((r) => Number(r.dataset.classId));
      const i = ids.indexOf(id);
      const j = action === "up" ? i - 1 : i + 1;
      [ids[i], ids[j]] = [ids[j], ids[i]];
      await api(`${base}/classes/reorder`, { method: "POST", body: { ids } });
      reloadWith(`Moved ${name} ${action}.`);
    } else if (action === "merge") {
      const select = Object.assign(document.createElement("select"), { id: "merge-target", name: "target", className: "input", required: true });
      for (const other of rows) {
        if (Number(other.dataset.classId) === id) continue;
        select.append(new Option(other.dataset.className, other.dataset.classId));
      }
      const data = await confirmDialog({
        title: `Merge ${name} into another class`,
        text: `${name}'s ${tags} tag${tags === 1 ? "" : "s"} move to the class you pick, and ${name} is deleted.`,
        ok: "Merge", danger: true, extra: field("Merge into", select),
      });
      if (!data) return;
      await api(`${base}/classes/merge`, { method: "POST", body: { source: id, target: Number(data.get("target")) } });
      reloadWith(`Merged ${name}.`);
    } else if (action === "delete") {
      const data = await confirmDialog({
        title: `Delete ${name}?`,
        text: tags
          ? `${tags} tag${tags === 1 ? "" : "s"} go with it: those documents lose this class. This cannot be undone.`
          : "No document is tagged with it. This cannot be undone.",
        ok: `Delete ${name}${tags ? ` and ${tags} tag${tags === 1 ? "" : "s"}` : ""}`, danger: true,
      });
      if (!data) return;
      await api(url, { method: "DELETE" });
      reloadWith(`Deleted ${name}.`);
    }
  } catch (error) { failed(error); }
  row.querySelector("button")?.focus();
}

// ---- Documents: selection and bulk actions
const checks = [...document.querySelectorAll("[data-doc-check]")];
const pageCheck = document.querySelector("[data-select-page]");
const label = document.querySelector("[data-selection-label]");
const matching = document.querySelector("[data-select-all-matching]");
let allMatching = false;

function selectedIds() {
  return checks.filter((c) => c.checked).map((c) => Number(c.value));
}
function updateSelection() {
  const n = selectedIds().length;
  if (!label) return;
  if (pageCheck) {
    pageCheck.checked = n > 0 && n === checks.length;
    pageCheck.indeterminate = n > 0 && n < checks.length;
  }
  if (n < checks.length) allMatching = false;
  label.textContent = allMatching ? "All documents matching the filter are selected" : n ? `${n} selected` : "No documents selected";
  matching.hidden = !(n === checks.length && !allMatching);
  for (const control of document.querySelectorAll("[data-bulk-bar] select, [data-bulk-bar] .button")) control.disabled = n === 0;
}
pageCheck?.addEventListener("change", () => { for (const c of checks) c.checked = pageCheck.checked; updateSelection(); });
for (const c of checks) c.addEventListener("change", updateSelection);
matching?.addEventListener("click", () => { allMatching = true; updateSelection(); });
updateSelection();

function target() {
  return allMatching ? { filter: state.query } : { ids: selectedIds() };
}
function describe() {
  if (allMatching) return "every document matching the filter";
  const n = selectedIds().length;
  return `${n} document${n === 1 ? "" : "s"}`;
}
async function bulk(action, extra, message) {
  try {
    const result = await api(`${base}/documents/bulk`, { method: "POST", body: { action, ...target(), ...extra } });
    const count = result?.count ?? result?.affected;
    reloadWith(count !== undefined ? `${message} (${count} document${count === 1 ? "" : "s"}).` : `${message}.`);
  } catch (error) { failed(error); }
}
for (const select of document.querySelectorAll("[data-bulk-class]")) {
  select.addEventListener("change", async () => {
    const classId = Number(select.value);
    const className = select.selectedOptions[0].textContent;
    select.value = "";
    if (!classId) return;
    const tag = select.dataset.bulkClass === "tag";
    const ok = await confirmDialog({
      title: tag ? `Tag with ${className}` : `Remove ${className}`,
      text: tag ? `Tag ${describe()} with ${className}.${state.multiLabel ? "" : " In a single-label project this replaces their current class."}` : `Remove ${className} from ${describe()}.`,
      ok: tag ? "Tag" : "Untag",
    });
    if (ok) bulk(tag ? "tag" : "untag", { class: classId }, tag ? `Tagged with ${className}` : `Removed ${className}`);
  });
}
const splitSelect = document.querySelector("[data-bulk-split]");
splitSelect?.addEventListener("change", async () => {
  const split = splitSelect.value;
  splitSelect.value = "";
  if (!split) return;
  const ok = await confirmDialog({ title: "Assign a split", text: `Put ${describe()} in the ${split} split.`, ok: "Assign" });
  if (ok) bulk("split", { split }, `Split set to ${split}`);
});
document.querySelector("[data-bulk-delete]")?.addEventListener("click", async () => {
  const ok = await confirmDialog({
    title: "Delete documents?",
    text: `Delete ${describe()} and their tags. This cannot be undone.`,
    ok: "Delete", danger: true,
  });
  if (ok) bulk("delete", {}, "Deleted");
});
