// Behaviour every page shares, kept out of the HTML: the Content-Security-Policy runs no inline script.
// A <select data-autosubmit> sends its form when it changes (the language, the archive's year).
document.addEventListener("change", function (event) {
  var select = event.target;
  if (select instanceof HTMLSelectElement && select.hasAttribute("data-autosubmit") && select.form) {
    select.form.submit();
  }
});
