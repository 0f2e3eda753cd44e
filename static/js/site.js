/* The site's shell, enhanced: every <details data-wide-open> (the main menu, a list page's filters) is open
   at wide widths and folded at narrow ones, and follows the window when it crosses the breakpoint. Without
   JavaScript the disclosures still work (site.css shows their content at wide widths where the browser can). */
(function () {
  "use strict";
  var wide = window.matchMedia("(min-width: 56rem)");

  function sync() {
    document.querySelectorAll("details[data-wide-open]").forEach(function (details) {
      details.setAttribute("data-enhanced", "");
      details.open = wide.matches;
    });
  }

  // Escape folds an open menu at narrow widths and gives the focus back to its button.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape" || wide.matches) return;
    var open = event.target.closest && event.target.closest("details[data-wide-open][open]");
    if (!open) return;
    open.open = false;
    open.querySelector("summary").focus();
  });

  // A time-zone field offers this device's zone when it differs from the one chosen (the member's profile).
  document.querySelectorAll("[data-timezone-field]").forEach(function (field) {
    var zone;
    try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone; } catch (error) { return; }
    var input = field.querySelector("input");
    var button = field.querySelector("[data-timezone-suggest]");
    if (!zone || !input || !button || input.value === zone) return;
    button.querySelector("[data-zone]").textContent = zone;
    button.parentElement.hidden = false;
    button.addEventListener("click", function () {
      input.value = zone;
      button.parentElement.hidden = true;
      input.focus();
    });
  });

  sync();
  wide.addEventListener("change", sync);
})();
