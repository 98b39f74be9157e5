// The studio's confirmation: the page's <dialog id="confirm-form-dialog">
// (templates/_confirm_dialog.html), with the focus on Cancel. Forms marked data-confirm="question"
// ask before they post; scripts call confirmAction() before a destructive API call. Cancel, Esc
// or a click outside leave everything as it was; without JavaScript a form simply posts.
const dialog = document.getElementById("confirm-form-dialog");

// Resolves true when the user chose the OK button, false otherwise.
export function confirmAction({ title = "Are you sure?", text, ok = "OK" }) {
  dialog.querySelector("[data-confirm-title]").textContent = title;
  dialog.querySelector("[data-confirm-text]").textContent = text;
  const button = dialog.querySelector("[data-confirm-ok]");
  button.textContent = button.title = ok;
  dialog.returnValue = "";
  dialog.showModal();
  dialog.querySelector("[data-confirm-cancel]").focus(); // the safe choice is the default
  return new Promise((resolve) => {
    dialog.addEventListener("close", () => resolve(dialog.returnValue === "ok"), { once: true });
  });
}

async function ask(form, submitter) {
  const ok = await confirmAction({ title: form.dataset.confirmTitle, text: form.dataset.confirm, ok: form.dataset.confirmOk });
  if (ok) form.submit();
  else submitter?.focus();
}

if (dialog) {
  dialog.addEventListener("click", (event) => {
    if (event.target === dialog) dialog.close("cancel"); // the backdrop
  });
  for (const form of document.querySelectorAll("form[data-confirm]")) {
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      ask(form, event.submitter);
    });
  }
}
