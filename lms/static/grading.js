// Instructors' grading pages: a form marked data-busy says so while the server grades (validation,
// test grading take seconds) and cannot be sent twice. Progressive enhancement only.
document.addEventListener("DOMContentLoaded", () => {
  for (const form of document.querySelectorAll("form[data-busy]")) {
    form.addEventListener("submit", () => {
      for (const button of form.querySelectorAll("button[type=submit]")) {
        button.disabled = true;
        button.textContent = form.dataset.busy;
      }
      form.setAttribute("aria-busy", "true");
    });
  }
});
