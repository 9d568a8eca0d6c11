// Waits for the push decision without a manual refresh: long-polls the status endpoint
// (?wait=25 answers as soon as the app answered) and loads the next page at once when the
// challenge is no longer pending. After a network hiccup it waits a little, then asks again.
(() => {
  const box = document.getElementById("push-wait");
  if (!box || box.dataset.status !== "pending") return;
  const url = new URL(box.dataset.statusUrl, window.location.href);
  url.searchParams.set("wait", "25");
  const poll = async () => {
    try {
      const resp = await fetch(url, { headers: { Accept: "application/json" }, cache: "no-store" });
      const body = await resp.json();
      if (body.status !== "pending") {
        window.location.assign(box.dataset.doneUrl);
        return;
      }
      poll();
      return;
    } catch (e) {
      // network hiccup: ask again shortly
    }
    window.setTimeout(poll, 1000);
  };
  poll();
})();
