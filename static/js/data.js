// The Data page: upload with a live import report, class management, bulk actions on the
// documents table. Every change goes through the studio API; the page then reloads to show it,
// except an import, whose report stays while the tables are swapped for fresh ones.
import { api, toast } from "./api.js";

const state = JSON.parse(document.getElementById("data-state").textContent);
const base = `/api/projects/${encodeURIComponent(state.project)}`;

function paint() {
  for (const item of document.querySelectorAll("[data-colour]")) item.style.setProperty("--swatch", item.dataset.colour);
}
paint();

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
    const imported = result.imported ?? 0;
    const errors = result.errors ?? [];
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
        const where = [error.file, error.line ? `line ${error.line}` : ""].filter(Boolean).join(" · ");
        const name = document.createElement("span");
        name.className = "name";
        name.textContent = name.title = where || error.target || "—";
        row.insertCell().append(name);
        row.insertCell().textContent = error.reason;
      }
      report.append(table);
    }
    report.focus();
  }

  async function poll(jobId) {
    for (;;) {
      const job = await api(`${base}/imports/${encodeURIComponent(jobId)}`);
      setProgress(job.done, job.total, job.status === "queued" ? "Waiting for a worker to start the import…" : undefined);
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
      // A large import answers with its job (202), a small one with its report.
      if (result.job_id) result = await poll(result.job_id);
      if (result.status === "failed") throw new Error(result.error || "The import failed.");
      setProgress(1, 1, "Done.");
      showReport(result.report ?? result);
      choose([]);
      input.value = "";
      await refreshSections();
    } catch (error) {
      progress.hidden = true;
      failed(error);
      button.disabled = false;
    }
  });
}

// ---- Classes (bound again when an import brings the section back fresh)
let createForm, nameInput, nameCount, rows;
// The browser stops typing at maxlength without a word; the counter says where the limit is.
function countName(input = nameInput, count = nameCount) {
  const limit = input.maxLength;
  const full = input.value.length >= limit;
  count.textContent = `${input.value.length}/${limit}${full ? ` · a class name has at most ${limit} characters` : ""}`;
  count.classList.toggle("full", full);
}
function bindClasses() {
  createForm = document.querySelector("[data-class-create]");
  nameInput = createForm?.querySelector("input[name=name]");
  nameCount = createForm?.querySelector("[data-name-count]");
  nameInput?.addEventListener("input", () => countName());
  createForm?.addEventListener("submit", async (event) => {
    event.preventDefault();
    const data = new FormData(createForm);
    try {
      await api(`${base}/classes`, { method: "POST", body: { name: data.get("name").trim(), colour: data.get("colour") } });
      reloadWith(`Class ${data.get("name").trim()} created.`);
    } catch (error) { failed(error); }
  });

  rows = [...document.querySelectorAll("[data-class-row]")];
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
}
bindClasses();

async function classAction(action, { id, name, tags, url, row }) {
  try {
    if (action === "rename") {
      const input = Object.assign(document.createElement("input"), { id: "rename-input", name: "name", value: name, required: true, maxLength: nameInput?.maxLength > 0 ? nameInput.maxLength : 50, className: "input", autocomplete: "off" });
      const count = Object.assign(document.createElement("p"), { id: "rename-count", className: "help name-count" });
      count.setAttribute("aria-live", "polite");
      input.setAttribute("aria-describedby", count.id);
      input.addEventListener("input", () => countName(input, count));
      countName(input, count);
      const extra = field("New name", input);
      extra.append(count);
      const data = await confirmDialog({ title: `Rename ${name}`, text: "Tags keep pointing at the class under its new name.", ok: "Rename", extra });
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
let checks, pageCheck, label, matching;
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
    reloadWith(`${message} (${result.count} document${result.count === 1 ? "" : "s"}).`);
  } catch (error) { failed(error); }
}
function bindDocuments() {
  checks = [...document.querySelectorAll("[data-doc-check]")];
  pageCheck = document.querySelector("[data-select-page]");
  label = document.querySelector("[data-selection-label]");
  matching = document.querySelector("[data-select-all-matching]");
  allMatching = false;
  pageCheck?.addEventListener("change", () => { for (const c of checks) c.checked = pageCheck.checked; updateSelection(); });
  for (const c of checks) c.addEventListener("change", updateSelection);
  matching?.addEventListener("click", () => { allMatching = true; updateSelection(); });
  updateSelection();
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
}
bindDocuments();

// ---- After an import: the classes, the counts and the documents table (with the filter in the
// address) are read again from the page's own HTML and swapped in, so the new documents show
// without a reload and the import report stays on screen.
const SECTIONS = ["[data-classes-section]", "[data-documents-section]", "[data-project-counts]"];
async function refreshSections() {
  try {
    const response = await fetch(location.href, { headers: { Accept: "text/html" } });
    if (!response.ok) throw new Error(`status ${response.status}`);
    const fresh = new DOMParser().parseFromString(await response.text(), "text/html");
    for (const selector of SECTIONS) {
      const next = fresh.querySelector(selector);
      if (next) document.querySelector(selector)?.replaceWith(document.adoptNode(next));
    }
  } catch {
    toast("The documents table could not be refreshed: reload the page to see the new documents.", "error", 9000);
    return;
  }
  paint();
  bindClasses();
  bindDocuments();
}
