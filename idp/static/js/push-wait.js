// Waits for the push decision without a manual refresh: polls the status endpoint and
// reloads the page (which moves on, or shows the outcome) as soon as it is no longer pending.
(() => {
  const box = document.getElementById("push-wait");
  if (!box || box.dataset.status !== "pending") return;
  const poll = async () => {
    try {
      const resp = await fetch(box.dataset.statusUrl, { headers: { Accept: "application/json" },
                                                       cache: "no-store" });
      const body = await resp.json();
      if (body.status !== "pending") {
        window.location.assign(box.dataset.doneUrl);
        return;
      }
    } catch (e) {
      // network hiccup: keep polling
    }
    window.setTimeout(poll, 700);
  };
  window.setTimeout(poll, 700);
})();
