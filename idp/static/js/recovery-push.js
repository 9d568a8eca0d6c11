// Recovery push step: waits for the app's answer and moves on by itself (no manual refresh).
(() => {
  const box = document.getElementById("push-wait");
  if (!box || box.dataset.status !== "pending") return;
  const form = document.getElementById("push-continue");
  const poll = async () => {
    try {
      const resp = await fetch(box.dataset.statusUrl, { headers: { Accept: "application/json" },
                                                       cache: "no-store" });
      const body = await resp.json();
      if (body.status === "approved" || body.status === "reported") { form.submit(); return; }
      // Another outcome (wrong number, denied, expired): show it by loading the step's GET
      // URL. Never reload(): the page may be the answer to a POST, which Chromium re-posts.
      if (body.status !== "pending") { window.location.assign(box.dataset.pageUrl); return; }
    } catch (e) {
      // network hiccup: keep polling
    }
    window.setTimeout(poll, 700);
  };
  window.setTimeout(poll, 700);
})();
