// "Langue de l'interface": switching the select switches the whole page at once (seed 003).
// Without JavaScript the choice applies when the form is sent.
document.querySelectorAll("select[data-switch-url]").forEach((select) => {
  select.addEventListener("change", () => {
    window.location.assign(select.dataset.switchUrl.replace("__lang__", select.value));
  });
});
