// Recovery push step: waits for the app's answer and moves on by itself (no manual refresh).
// Long-polls the status endpoint (?wait=25 answers as soon as the app answered).
(() => {
  const box = document.getElementById("push-wait");
  if (!box || box.dataset.status !== "pending") return;
  const form = document.getElementById("push-continue");
  const url = new URL(box.dataset.statusUrl, window.location.href);
  url.searchParams.set("wait", "25");
  const poll = async () => {
    try {
      const resp = await fetch(url, { headers: { Accept: "application/json" }, cache: "no-store" });
      const body = await resp.json();
      if (body.status === "approved" || body.status === "reported") { form.submit(); return; }
      // Another outcome (wrong number, denied, expired): show it by loading the step's GET
      // URL. Never reload(): the page may be the answer to a POST, which Chromium re-posts.
      if (body.status !== "pending") { window.location.assign(box.dataset.pageUrl); return; }
      poll();
      return;
    } catch (e) {
      // network hiccup: ask again shortly
    }
    window.setTimeout(poll, 1000);
  };
  poll();
})();
