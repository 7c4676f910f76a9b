// The notebook launch page: follow the start-up and go to JupyterLab when it is ready.
// Without JavaScript the page refreshes itself (<noscript> meta refresh) and the server redirects.
document.addEventListener("DOMContentLoaded", () => {
  const panel = document.getElementById("notebook-launch");
  if (!panel || !panel.dataset.statusUrl) return;
  const bar = document.getElementById("notebook-progress");
  const message = document.getElementById("notebook-message");
  const retry = document.getElementById("notebook-retry");

  const show = (state) => {
    if (bar && typeof state.progress === "number") bar.value = state.progress;
    if (message && state.message) message.textContent = state.message;
  };

  const follow = async () => {
    let state;
    try {
      // The server waits up to 5 s for the hub to report progress, so "ready" arrives at once.
      const response = await fetch(panel.dataset.statusUrl + "?wait=5", {
        credentials: "same-origin", headers: {Accept: "application/json"},
      });
      state = await response.json();
    } catch (error) {
      setTimeout(follow, 2000);
      return;
    }
    show(state);
    if (state.status === "ready" && state.url) {
      window.location.assign(state.url);
    } else if (state.status === "pending") {
      setTimeout(follow, 250);
    } else {
      if (bar) bar.hidden = true;
      if (retry) retry.hidden = false;
    }
  };
  follow();
});
