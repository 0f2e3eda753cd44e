// After htmx swaps the "Taking part" panel, move focus to its message so screen readers announce it.
document.addEventListener("htmx:afterSwap", (event) => {
  const message = event.detail.target.querySelector?.("[data-focus-after-swap]")
    || document.querySelector("#participation [data-focus-after-swap]");
  if (message) message.focus();
});
