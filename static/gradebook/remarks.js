// The subject remarks sheet: a chosen phrase goes into the box last clicked, and leaving with
// unsaved boxes asks first (the page runs no inline script: the Content-Security-Policy).
(function () {
  "use strict";
  var form = document.getElementById("remarks-form");
  if (!form) { return; }
  var script = document.currentScript || document.querySelector("script[data-leave]");
  var leaveText = script ? script.getAttribute("data-leave") : "";
  var picker = document.getElementById("phrase-picker");
  var boxes = Array.prototype.slice.call(form.querySelectorAll("textarea.remark"));
  var chosen = boxes[0] || null;
  var submitting = false;
  var dirty = form.hasAttribute("data-dirty");

  boxes.forEach(function (box) {
    box.addEventListener("focus", function () { chosen = box; });
  });

  function changed() {
    return dirty || boxes.some(function (box) { return box.value !== box.defaultValue; });
  }

  if (picker) {
    picker.addEventListener("change", function () {
      var phrase = picker.value;
      picker.value = "";
      if (!phrase || !chosen) { return; }
      var start = chosen.selectionStart, end = chosen.selectionEnd, text = chosen.value;
      if (typeof start !== "number" || document.activeElement !== chosen && start === 0 && end === 0) {
        start = end = text.length;  // the box was not being edited: the phrase goes at its end
      }
      var before = text.slice(0, start), after = text.slice(end);
      var glue = before && !/\s$/.test(before) ? " " : "";
      var max = parseInt(chosen.getAttribute("maxlength") || "0", 10);
      var value = before + glue + phrase + after;
      if (max && value.length > max) { value = value.slice(0, max); }
      chosen.value = value;
      var caret = Math.min(before.length + glue.length + phrase.length, value.length);
      chosen.focus();
      chosen.setSelectionRange(caret, caret);
      chosen.dispatchEvent(new Event("input", { bubbles: true }));
    });
  }

  form.addEventListener("submit", function () { submitting = true; });
  window.addEventListener("beforeunload", function (event) {
    if (submitting || !changed()) { return; }
    event.preventDefault();
    event.returnValue = leaveText;
    return leaveText;
  });
})();
