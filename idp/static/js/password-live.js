// Live rule check and strength meter while typing (seed 001). The server answers with the same
// policy function as on submit; without JavaScript the page checks everything on submit.
(() => {
  const form = document.getElementById("new-password-form");
  if (!form) return;
  const input = form.querySelector('input[name="new_password"]');
  const strength = document.getElementById("strength");
  const meter = document.getElementById("strength-meter");
  const ready = document.getElementById("ready-hint");
  const rules = document.querySelectorAll("#password-rules li[data-rule]");
  let timer = null;
  const check = async () => {
    try {
      const resp = await fetch(form.dataset.checkUrl, {
        method: "POST",
        headers: { "Content-Type": "application/json", "X-CSRFToken": form.dataset.csrf },
        body: JSON.stringify({ password: input.value }),
      });
      const body = await resp.json();
      if (!body.violations) return;
      rules.forEach((li) => {
        const ok = Boolean(input.value) && body.rules[li.dataset.rule] === true;
        li.classList.toggle("rule-ok", ok);
        li.classList.toggle("rule-ko", Boolean(input.value) && !ok);
      });
      if (strength) {
        // The page's own wording (French or English), with French typography's no-break space.
        const format = strength.dataset.format || "{label}";
        strength.textContent = input.value
          ? format.replace("{label}", body.strength.label).replace(" :", "\u00a0:") : "";
      }
      if (meter) meter.value = body.strength.score;
      if (ready) ready.hidden = !body.ok;
    } catch (e) { /* offline: the submit still checks everything */ }
  };
  input.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(check, 200); });
  document.querySelectorAll(".use-suggestion").forEach((button) => {
    button.hidden = false;
    button.addEventListener("click", () => {
      input.value = button.dataset.value;
      const confirm = form.querySelector('input[name="confirmation"]');
      if (confirm) confirm.value = button.dataset.value;
      input.type = "text";
      check();
    });
  });
})();
