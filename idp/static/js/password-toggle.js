// "Afficher / Masquer" for password fields; the button stays hidden without JavaScript.
document.querySelectorAll("button.toggle-password").forEach((button) => {
  const input = document.getElementById(button.dataset.target);
  if (!input) return;
  button.hidden = false;
  button.addEventListener("click", () => {
    const show = input.type === "password";
    input.type = show ? "text" : "password";
    button.textContent = show ? button.dataset.hide : button.dataset.show;
    button.setAttribute("aria-pressed", String(show));
  });
});
