// Parts of a page that the server is still working on (a submission being graded) carry
// data-live="<name>" and data-pending. While any is pending, the page is fetched again now and then
// and those parts take the new content (translated and rendered by the server, as on a reload), until
// none is pending. Parts marked data-watch are followed as long as the page is open (a hand-in can
// start elsewhere, in the learner's JupyterLab), more slowly. Without JavaScript the page shows the
// same on reload.
document.addEventListener("DOMContentLoaded", () => {
  const pending = () => document.querySelectorAll("[data-live][data-pending]");
  const watched = () => document.querySelectorAll("[data-live][data-watch]");
  if (!pending().length && !watched().length) return;
  let delay = 1500;
  const refresh = async () => {
    try {
      const response = await fetch(location.href, {credentials: "same-origin", headers: {Accept: "text/html"}});
      if (response.ok) {
        const fresh = new DOMParser().parseFromString(await response.text(), "text/html");
        for (const part of [...watched(), ...pending()]) {
          const next = fresh.querySelector(`[data-live="${CSS.escape(part.dataset.live)}"]`);
          if (!next || (part.hasAttribute("data-watch") && next.innerHTML === part.innerHTML)) continue;
          part.replaceChildren(...Array.from(next.childNodes, (node) => document.importNode(node, true)));
          if (!next.hasAttribute("data-pending")) part.removeAttribute("data-pending");
        }
      }
    } catch (error) {
      // The network failed for a moment: the next round tries again.
    }
    delay = pending().length ? Math.min(delay * 1.5, 10000) : 5000;
    if (pending().length || watched().length) setTimeout(refresh, delay);
  };
  setTimeout(refresh, delay);
});
