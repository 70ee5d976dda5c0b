// Behaviour every page shares, kept out of the HTML: the Content-Security-Policy runs no inline script.
// A <select data-autosubmit> sends its form when it changes (the language, the archive's year).
document.addEventListener("change", function (event) {
  var select = event.target;
  if (select instanceof HTMLSelectElement && select.hasAttribute("data-autosubmit") && select.form) {
    select.form.submit();
  }
});

// A <form data-unsaved-warning="…"> asks before the page is left with changes typed into it and not sent.
(function () {
  var dirty = null;
  document.addEventListener("input", function (event) {
    var form = event.target.form;
    if (form && form.hasAttribute("data-unsaved-warning")) { dirty = form; }
  });
  document.addEventListener("submit", function (event) {
    if (event.target === dirty) { dirty = null; }
  });
  window.addEventListener("beforeunload", function (event) {
    if (dirty && document.body.contains(dirty)) {
      event.preventDefault();
      event.returnValue = dirty.getAttribute("data-unsaved-warning");
      return event.returnValue;
    }
  });
})();

// A dd/mm/yyyy box (data-datepicker="<the button's label>") gets a calendar button: it opens the browser's
// own date picker, and the chosen day is written back as dd/mm/yyyy. Typing stays the fast way.
(function () {
  function iso(text) {
    var parts = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec((text || "").trim());
    if (!parts) { return ""; }
    return parts[3] + "-" + ("0" + parts[2]).slice(-2) + "-" + ("0" + parts[1]).slice(-2);
  }
  function icon() {
    var ns = "http://www.w3.org/2000/svg";
    var svg = document.createElementNS(ns, "svg");
    svg.setAttribute("viewBox", "0 0 16 16");
    svg.setAttribute("width", "16");
    svg.setAttribute("height", "16");
    svg.setAttribute("aria-hidden", "true");
    var path = document.createElementNS(ns, "path");
    path.setAttribute("d", "M2 3h12v11H2zM2 6h12M5 1v3M11 1v3M4.5 8.5h2v2h-2z");
    path.setAttribute("fill", "none");
    path.setAttribute("stroke", "currentColor");
    path.setAttribute("stroke-width", "1.4");
    svg.appendChild(path);
    return svg;
  }
  function enhance(box) {
    if (box.dataset.datepickerReady) { return; }
    box.dataset.datepickerReady = "1";
    var wrap = document.createElement("span");
    wrap.className = "datepick";
    box.parentNode.insertBefore(wrap, box);
    wrap.appendChild(box);
    var button = document.createElement("button");
    button.type = "button";
    button.className = "secondary datepick-button";
    button.setAttribute("aria-label", box.getAttribute("data-datepicker"));
    button.title = box.getAttribute("data-datepicker");
    button.appendChild(icon());
    var picker = document.createElement("input");
    picker.type = "date";
    picker.tabIndex = -1;
    picker.className = "datepick-native";
    picker.setAttribute("aria-hidden", "true");
    wrap.appendChild(button);
    wrap.appendChild(picker);
    button.addEventListener("click", function () {
      picker.value = iso(box.value);
      if (picker.showPicker) {
        try { picker.showPicker(); return; } catch (error) { /* not allowed here: fall back to the box */ }
      }
      box.focus();
    });
    picker.addEventListener("change", function () {
      var parts = picker.value.split("-");
      if (parts.length !== 3) { return; }
      box.value = parts[2] + "/" + parts[1] + "/" + parts[0];
      box.dispatchEvent(new Event("input", {bubbles: true}));
      box.dispatchEvent(new Event("change", {bubbles: true}));
      box.focus();
    });
  }
  function enhanceAll(root) {
    Array.prototype.forEach.call((root || document).querySelectorAll("input[data-datepicker]"), enhance);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { enhanceAll(); });
  } else {
    enhanceAll();
  }
  document.addEventListener("htmx:afterSwap", function (event) { enhanceAll(event.target); });
})();

// A button with data-print prints the page (no inline script: the site's CSP allows none).
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    if (event.target.closest && event.target.closest("[data-print]")) { window.print(); }
  });
})();
