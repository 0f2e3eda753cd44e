// The ecosystem pages work without JavaScript; this only adds the print button's action.
document.addEventListener("click", (event) => {
  if (event.target.closest("[data-print]")) {
    window.print();
  }
});
