// Quartier, offer pages: after a full page load, move the focus to the error summary or to the
// duplicate warning, so that screen reader and keyboard users meet it first. Works without it, too.
(function () {
  "use strict";
  function focusMarked() {
    var target = document.querySelector("[data-q-focus]");
    if (target) {
      target.focus();
      if (target.scrollIntoView) { target.scrollIntoView({ block: "start" }); }
    }
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", focusMarked);
  } else {
    focusMarked();
  }
})();
