// Copy buttons: <button data-copy="ID"> copies the text of the element #ID and says so in the
// [data-copy-status] next to it. Where the clipboard API is missing or refused (a page served
// over plain HTTP from another host), the text is selected and the page says to press Ctrl+C.
function select(element) {
  const range = document.createRange();
  range.selectNodeContents(element);
  const selection = window.getSelection();
  selection.removeAllRanges();
  selection.addRange(range);
}

async function copy(button) {
  const source = document.getElementById(button.dataset.copy);
  const status = button.parentElement.querySelector("[data-copy-status]");
  let said = "Copied to the clipboard.";
  try {
    if (!navigator.clipboard) throw new Error("no clipboard here");
    await navigator.clipboard.writeText(source.textContent);
  } catch {
    select(source);
    said = "Selected: press Ctrl+C (⌘C on a Mac) to copy.";
  }
  if (status) {
    status.textContent = said;
    clearTimeout(status.timer);
    status.timer = setTimeout(() => { status.textContent = ""; }, 6000);
  }
}

for (const button of document.querySelectorAll("button[data-copy]")) {
  button.addEventListener("click", () => copy(button));
}
