// "Veuillez patienter": polls the background job and moves on by itself when it is done.
(() => {
  const box = document.getElementById("job-wait");
  if (!box || box.dataset.status === "done") return;
  const poll = async () => {
    try {
      const resp = await fetch(box.dataset.statusUrl, { headers: { Accept: "application/json" },
                                                       cache: "no-store" });
      const body = await resp.json();
      if (body.status === "done") { document.getElementById("job-continue").submit(); return; }
    } catch (e) { /* keep polling */ }
    window.setTimeout(poll, 1000);
  };
  window.setTimeout(poll, 1000);
})();
