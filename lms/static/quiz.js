// The countdown of a timed quiz attempt. Progressive enhancement: without this file the page shows
// the deadline as a time, and the server enforces the limit either way. The figure comes from the
// server (seconds left when the page was made), so a wrong clock on the learner's computer does not
// matter. At zero the answers given so far are submitted.
document.addEventListener("DOMContentLoaded", () => {
  const timer = document.querySelector("[data-seconds-left]");
  const form = document.querySelector("form[data-quiz-form]");
  if (!timer || !form) return;
  const end = performance.now() + Number(timer.dataset.secondsLeft) * 1000;
  const box = timer.closest(".countdown");
  box.hidden = false;
  let submitted = false;
  const tick = () => {
    const left = Math.max(0, Math.round((end - performance.now()) / 1000));
    const minutes = Math.floor(left / 60);
    const seconds = String(left % 60).padStart(2, "0");
    timer.textContent = `${minutes}:${seconds}`;
    box.classList.toggle("countdown-low", left <= 60);
    if (left === 0 && !submitted) {
      submitted = true;
      const confirm = document.createElement("input");
      confirm.type = "hidden";
      confirm.name = "confirm";
      confirm.value = "1";
      form.append(confirm);
      form.submit();
      return;
    }
    window.setTimeout(tick, 250);
  };
  tick();
});
