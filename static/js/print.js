// Buttons marked data-print open the browser's print dialog (and its "Save as PDF").
document.querySelectorAll("[data-print]").forEach((button) => {
  button.hidden = false;
  button.addEventListener("click", () => window.print());
});
