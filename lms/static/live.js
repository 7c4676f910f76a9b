// Parts of a page that the server is still working on (a submission being graded) carry
// data-live="<name>" and data-pending. While any is pending, the page is fetched again now and then
// and those parts take the new content (translated and rendered by the server, as on a reload), until
// none is pending. Without JavaScript the page shows the same on reload.
document.addEventListener("DOMContentLoaded", () => {
  const pending = () => document.querySelectorAll("[data-live][data-pending]");
  if (!pending().length) return;
  let delay = 1500;
  const refresh = async () => {
    try {
      const response = await fetch(location.href, {credentials: "same-origin", headers: {Accept: "text/html"}});
      if (response.ok) {
        const fresh = new DOMParser().parseFromString(await response.text(), "text/html");
        for (const part of pending()) {
          const next = fresh.querySelector(`[data-live="${CSS.escape(part.dataset.live)}"]`);
          if (!next) continue;
          part.replaceChildren(...Array.from(next.childNodes, (node) => document.importNode(node, true)));
          if (!next.hasAttribute("data-pending")) part.removeAttribute("data-pending");
        }
      }
    } catch (error) {
      // The network failed for a moment: the next round tries again.
    }
    delay = Math.min(delay * 1.5, 10000);
    if (pending().length) setTimeout(refresh, delay);
  };
  setTimeout(refresh, delay);
});
