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
  }
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
