/* The daily roll-call sheet: P / K / present per student and day, by keyboard, each mark saved at once.
 *
 * Plain JavaScript, no build step. The server judges every mark (the day, the student's dates, the
 * homeroom right, an approved term); this script moves the cursor, sends one mark at a time in the
 * order typed, and shows the month's totals the server counted.
 */
(function () {
  "use strict";

  var table = document.getElementById("rollcall-sheet");
  var configNode = document.getElementById("rollcall-config");
  if (!table || !configNode) { return; }
  var config = JSON.parse(configNode.textContent);
  var text = config.messages;
  var statusNode = document.getElementById("rollcall-status");
  var CYCLE = {"": "P", "P": "K", "K": ""};

  var rows = Array.prototype.slice.call(table.tBodies[0].rows).filter(function (tr) { return tr.dataset.e; });
  var matrix = rows.map(function (tr, r) {
    return Array.prototype.slice.call(tr.querySelectorAll("td.d")).map(function (td, c) {
      var input = td.querySelector("input.rc");
      if (input) { input._r = r; input._c = c; input._saved = input.value; }
      return input;
    });
  });
  var width = matrix.length ? matrix[0].length : 0;
  var queue = Promise.resolve();
  var pending = 0;

  function format(message, values) {
    return message.replace(/%\((\w+)\)s/g, function (whole, name) { return name in values ? values[name] : whole; });
  }
  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    if (meta && meta.content) { return meta.content; }
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }
  function say(message, failed) {
    statusNode.textContent = message;
    statusNode.classList.toggle("error", !!failed);
  }

  // The next writable cell from (r, c) in the direction (dr, dc), skipping closed days; null at the edge.
  function next(r, c, dr, dc) {
    r += dr; c += dc;
    while (r >= 0 && r < matrix.length && c >= 0 && c < width) {
      if (matrix[r][c]) { return matrix[r][c]; }
      r += dr; c += dc;
    }
    return null;
  }
  function focus(input) {
    if (input) { input.focus(); input.select(); }
  }

  function post(day, marks) {
    pending += 1;
    var sent = queue.then(function () {
      return fetch(config.saveUrl, {
        method: "POST", credentials: "same-origin",
        headers: {"Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": csrfToken()},
        body: JSON.stringify({day: day, marks: marks})
      }).then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (data) {
          return {ok: response.ok, status: response.status, data: data};
        });
      });
    });
    queue = sent.catch(function () { return null; }).then(function () { pending -= 1; });
    return sent;
  }

  function showTotals(totals) {
    rows.forEach(function (tr) {
      var counts = totals[tr.dataset.e];
      if (!counts) { return; }
      tr.querySelector('td.total[data-kind="P"]').textContent = counts[0] || "";
      tr.querySelector('td.total[data-kind="K"]').textContent = counts[1] || "";
    });
  }
  function showTaken(day) {
    var th = table.querySelector('th.taken-row[data-day="' + day + '"]');
    if (!th || th.querySelector(".taken")) { return; }
    th.innerHTML = "";
    var mark = document.createElement("span");
    mark.className = "taken";
    mark.textContent = "\u2713";
    th.appendChild(mark);
  }
  function failure(result) {
    if (!result) { return text.network; }
    if (result.status === 401 || (result.status === 403 && !result.data.error)) { return text.session; }
    return result.data.error || text.network;
  }

  function save(input, mark) {
    var td = input.parentNode;
    var tr = rows[input._r];
    var day = parseInt(td.dataset.day, 10);
    var label = input.getAttribute("aria-label");
    var marks = {};
    marks[tr.dataset.e] = mark;
    input.value = mark;
    td.classList.remove("saved", "failed");
    td.classList.add("saving");
    post(day, marks).then(function (result) {
      td.classList.remove("saving");
      if (result.ok) {
        input._saved = mark;
        td.classList.add("saved");
        showTotals(result.data.totals || {});
        showTaken(day);
        say(format(mark ? text.saved : text.cleared, {label: mark ? label + ": " + mark : label}));
      } else {
        input.value = input._saved;
        td.classList.add("failed");
        say(failure(result), true);
      }
    }, function () {
      td.classList.remove("saving");
      input.value = input._saved;
      td.classList.add("failed");
      say(text.network, true);
    });
  }

  function set(input, mark) {
    if (mark !== input.value || mark !== input._saved) { save(input, mark); }
  }

  table.addEventListener("keydown", function (event) {
    var input = event.target;
    if (!input.classList || !input.classList.contains("rc") || event.ctrlKey || event.metaKey || event.altKey) {
      return;
    }
    var key = event.key;
    var moves = {ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1], Enter: [1, 0]};
    if (moves[key]) {
      event.preventDefault();
      focus(next(input._r, input._c, moves[key][0], moves[key][1]));
    } else if (key === "p" || key === "P" || key === "k" || key === "K") {
      event.preventDefault();
      set(input, key.toUpperCase());
    } else if (key === " ") {
      event.preventDefault();
      set(input, CYCLE[input.value] === undefined ? "" : CYCLE[input.value]);
    } else if (key === "Delete" || key === "Backspace") {
      event.preventDefault();
      set(input, "");
    } else if (key.length === 1) {
      event.preventDefault();  // only P and K are marks
    }
  });

  // A phone's keyboard or an input method may type without keydown keys: judge what landed in the box.
  table.addEventListener("input", function (event) {
    var input = event.target;
    if (!input.classList || !input.classList.contains("rc")) { return; }
    var typed = input.value.trim().toUpperCase().slice(-1);
    if (typed === "P" || typed === "K" || typed === "") { set(input, typed); } else { input.value = input._saved; }
  });

  table.addEventListener("focusin", function (event) {
    if (event.target.classList && event.target.classList.contains("rc")) { event.target.select(); }
  });

  table.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("button.take") : null;
    if (!button) { return; }
    var day = parseInt(button.dataset.day, 10);
    button.disabled = true;
    post(day, {}).then(function (result) {
      if (result.ok) {
        showTotals(result.data.totals || {});
        showTaken(day);
        say(format(text.taken, {day: button.dataset.label}));
      } else {
        button.disabled = false;
        say(failure(result), true);
      }
    }, function () {
      button.disabled = false;
      say(text.network, true);
    });
  });

  window.addEventListener("beforeunload", function (event) {
    if (pending > 0) {
      event.preventDefault();
      event.returnValue = text.pending;
    }
  });
}());
