// Quartier: small progressive enhancements. Every page works without JavaScript.
(function () {
  "use strict";

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  function announce(text) {
    var region = document.getElementById("q-meldungen");
    if (!region) { return; }
    region.textContent = "";
    var p = document.createElement("p");
    p.className = "kern-body";
    p.textContent = text;
    region.appendChild(p);
  }

  // htmx requests carry the session's CSRF token as a header, like API clients do.
  document.addEventListener("htmx:configRequest", function (event) {
    var token = csrfToken();
    if (token) { event.detail.headers["X-CSRF-Token"] = token; }
  });

  // After a fragment was swapped in, move the focus to its message (or its first invalid field).
  document.addEventListener("htmx:afterSwap", function (event) {
    var root = event.detail.target && document.getElementById(event.detail.target.id);
    root = root || event.detail.elt;
    if (!root || !root.querySelector) { return; }
    var target = root.querySelector('[aria-invalid="true"]') || root.querySelector(".q-alert");
    if (target) { target.focus(); }
  });

  document.addEventListener("htmx:responseError", function (event) {
    var xhr = event.detail.xhr;
    var text = "Das hat nicht geklappt. Bitte laden Sie die Seite neu und versuchen Sie es erneut.";
    try {
      var body = JSON.parse(xhr.responseText);
      if (body && typeof body.detail === "string") { text = body.detail; }
    } catch (e) {
      if (xhr.status === 503) {
        text = "Das Register ist gerade nicht erreichbar. Bitte versuchen Sie es in einigen Minuten erneut.";
      } else if (xhr.status === 403) {
        text = "Die Anfrage konnte nicht bestätigt werden (CSRF). Bitte laden Sie die Seite neu.";
      }
    }
    announce(text);
  });

  document.addEventListener("htmx:sendError", function () {
    announce("Keine Verbindung zum Server. Bitte prüfen Sie Ihre Internetverbindung.");
  });
})();
