// The shortcut registry: templates declare keys on buttons (data-key="1", data-key-label="..."),
// pages may add more with bind(); `?` lists them all in the page's <dialog id="shortcuts">.

const bindings = new Map(); // key -> { run, label, shown }

function normalise(key) {
  return key.length === 1 ? key.toLowerCase() : key;
}

function typing(target) {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable) return true;
  if (target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement) return true;
  if (target instanceof HTMLInputElement) return !["radio", "checkbox", "button", "submit"].includes(target.type);
  return false;
}

export function bind(key, run, label, { shown = key } = {}) {
  bindings.set(normalise(key), { run, label, shown });
}

// Every [data-key] element becomes a shortcut that clicks it (unless disabled).
export function bindButtons(root = document) {
  for (const element of root.querySelectorAll("[data-key]")) {
    const click = () => { if (!element.disabled) element.click(); };
    const label = element.dataset.keyLabel || element.textContent.trim();
    bind(element.dataset.key, click, label);
    if (element.dataset.keyAlso) bind(element.dataset.keyAlso, click, label, { shown: "" });
  }
}

const NAMES = { ArrowLeft: "←", ArrowRight: "→", ArrowUp: "↑", ArrowDown: "↓", Escape: "Esc" };

export function showHelp() {
  const dialog = document.getElementById("shortcuts");
  if (!dialog) return;
  const rows = dialog.querySelector("[data-shortcut-rows]");
  const byLabel = new Map();
  for (const [key, { label, shown }] of bindings) {
    if (key === "?" ) continue;
    const keys = byLabel.get(label) || [];
    keys.push(NAMES[key] || (shown ? shown.toUpperCase() : key));
    byLabel.set(label, keys);
  }
  rows.replaceChildren();
  for (const [label, keys] of byLabel) {
    const row = rows.insertRow();
    const keyCell = row.insertCell();
    keys.forEach((key, i) => {
      if (i) keyCell.append(" or ");
      const kbd = document.createElement("kbd");
      kbd.textContent = key;
      keyCell.append(kbd);
    });
    row.insertCell().textContent = label;
  }
  const row = rows.insertRow();
  row.insertCell().innerHTML = "<kbd>?</kbd>";
  row.insertCell().textContent = "Show this list (Esc closes it)";
  if (!dialog.open) dialog.showModal();
}

document.addEventListener("keydown", (event) => {
  if (event.ctrlKey || event.metaKey || event.altKey || event.defaultPrevented) return;
  if (typing(event.target)) return;
  if (document.querySelector("dialog[open]")) return; // a dialog owns the keyboard (Esc closes it)
  if (event.key === "?") {
    event.preventDefault();
    showHelp();
    return;
  }
  const binding = bindings.get(normalise(event.key));
  if (!binding) return;
  // Arrow keys still scroll a focused long document up and down; left/right move documents.
  event.preventDefault();
  binding.run(event);
});
