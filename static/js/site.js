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
