// « Copier »: the recovery codes to the clipboard (the button stays hidden without JS or
// without the Clipboard API; the download link works everywhere).
(function () {
  "use strict";
  var button = document.getElementById("copy-codes");
  if (!button || !navigator.clipboard) return;
  button.hidden = false;
  button.addEventListener("click", function () {
    navigator.clipboard.writeText(button.dataset.codes + "\n").then(function () {
      button.textContent = button.dataset.done;
    });
  });
})();
