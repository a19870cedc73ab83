// Quartier, people pages: after a refused form, move the focus to the error summary so that screen
// readers announce it; a link in the summary focuses its field. Works without JavaScript, too.
(function () {
  "use strict";
  function ready(fn) {
    if (document.readyState !== "loading") { fn(); } else { document.addEventListener("DOMContentLoaded", fn); }
  }
  ready(function () {
    var summary = document.querySelector(".q-error-summary");
    if (summary) {
      summary.focus();
      summary.addEventListener("click", function (event) {
        var link = event.target.closest("a[href^='#']");
        if (!link) { return; }
        var field = document.getElementById(link.getAttribute("href").slice(1));
        if (field) { event.preventDefault(); field.focus(); field.scrollIntoView({block: "center"}); }
      });
      return;
    }
    var notice = document.getElementById("meldung");
    if (notice) { notice.focus(); }
  });
})();
