// Progressive enhancement only: every page works without this file.
document.addEventListener("DOMContentLoaded", () => {
  // the phone menu: the button shows only on narrow screens (oqu.css), the menu folds behind it
  const toggle = document.querySelector(".menu-toggle");
  if (toggle) {
    const header = toggle.closest(".site-header");
    header.classList.add("menu-folds");
    toggle.hidden = false;
    toggle.addEventListener("click", () => {
      const open = toggle.getAttribute("aria-expanded") !== "true";
      toggle.setAttribute("aria-expanded", String(open));
      header.classList.toggle("menu-open", open);
    });
  }
  for (const select of document.querySelectorAll("select[data-autosubmit]")) {
    select.addEventListener("change", () => select.form.requestSubmit());
    // the choice sends itself: its button is only for pages without scripts (and keeps the header one line)
    for (const button of select.form.querySelectorAll("button[type=submit]")) button.hidden = true;
  }
  // the header's folding sections (<details>): one open at a time; Escape or a click elsewhere folds them
  const sections = [...document.querySelectorAll(".nav-section details")];
  for (const section of sections) {
    section.addEventListener("toggle", () => {
      if (section.open) for (const other of sections) if (other !== section) other.open = false;
    });
  }
  document.addEventListener("keydown", (event) => {
    if (event.key !== "Escape") return;
    for (const section of sections) {
      if (!section.open) continue;
      section.open = false;
      if (section.contains(document.activeElement)) section.querySelector("summary").focus();
    }
  });
  document.addEventListener("click", (event) => {
    for (const section of sections) if (section.open && !section.contains(event.target)) section.open = false;
  });
  // a form marked data-once (the employee import's confirmation) is sent once; the server makes sure too
  for (const form of document.querySelectorAll("form[data-once]")) {
    form.addEventListener("submit", () => {
      for (const button of form.querySelectorAll("button[type=submit]")) button.disabled = true;
      form.setAttribute("aria-busy", "true");
    });
  }
  for (const button of document.querySelectorAll("[data-confirm]")) {
    button.addEventListener("click", (event) => {
      if (!window.confirm(button.dataset.confirm)) event.preventDefault();
    });
  }
});
