// Forms marked data-confirm="question" ask first in the page's <dialog id="confirm-form-dialog">
// (templates/_confirm_dialog.html). Cancel, Esc or a click outside leave everything as it was
// and put the focus back on the button; without JavaScript the form simply posts.
const dialog = document.getElementById("confirm-form-dialog");

function ask(form, submitter) {
  dialog.querySelector("[data-confirm-title]").textContent = form.dataset.confirmTitle || "Are you sure?";
  dialog.querySelector("[data-confirm-text]").textContent = form.dataset.confirm;
  const ok = dialog.querySelector("[data-confirm-ok]");
  ok.textContent = ok.title = form.dataset.confirmOk || "OK";
  dialog.returnValue = "";
  dialog.showModal();
  dialog.querySelector("[data-confirm-cancel]").focus(); // the safe choice is the default
  dialog.addEventListener("close", () => {
    if (dialog.returnValue === "ok") form.submit();
    else submitter?.focus();
  }, { once: true });
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
