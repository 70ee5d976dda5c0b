/* The qualities and competencies sheet: T / Đ / C per student and trait, by keyboard or paste, saved at once.
 *
 * Plain JavaScript, no build step. The server judges every cell (tt27.parse_level3, the homeroom right,
 * an approved period); this script moves the cursor, sends the cells in the order typed, and shows
 * each cell's answer: saved, or refused with its reason (the cell keeps its old value).
 */
(function () {
  "use strict";

  var table = document.getElementById("traits-sheet");
  var configNode = document.getElementById("traits-config");
  if (!table || !configNode) { return; }
  var config = JSON.parse(configNode.textContent);
  var text = config.messages;
  var statusNode = document.getElementById("traits-status");
  var LETTERS = {"t": "T", "d": "Đ", "đ": "Đ", "c": "C"};

  var rows = Array.prototype.slice.call(table.tBodies[0].rows).filter(function (tr) { return tr.dataset.e; });
  var matrix = rows.map(function (tr, r) {
    return Array.prototype.slice.call(tr.querySelectorAll("td.lvcell")).map(function (td, c) {
      var input = td.querySelector("input.lv");
      if (input) { input._r = r; input._c = c; input._saved = input.value; }
      return input;
    });
  });
  var width = matrix.length ? matrix[0].length : 0;
  var queue = Promise.resolve();
  var pending = 0;

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
  function letterOf(typed) {
    var key = (typed || "").trim().toLowerCase();
    return key === "" ? "" : (LETTERS[key] === undefined ? null : LETTERS[key]);
  }
  function keyOf(input) { return input.parentNode.dataset.key; }
  function next(r, c, dr, dc) {
    r += dr; c += dc;
    while (r >= 0 && r < matrix.length && c >= 0 && c < width) {
      if (matrix[r][c]) { return matrix[r][c]; }
      r += dr; c += dc;
    }
    return null;
  }
  function focus(input) { if (input) { input.focus(); input.select(); } }

  function mark(input, state, why) {
    var td = input.parentNode;
    td.classList.remove("saving", "saved", "invalid");
    if (state) { td.classList.add(state); }
    var note = td.querySelector(".why");
    if (why) {
      if (!note) { note = document.createElement("span"); note.className = "why"; td.appendChild(note); }
      note.textContent = why;
      input.setAttribute("title", why);
    } else {
      if (note) { note.remove(); }
      input.removeAttribute("title");
    }
  }

  function failure(result) {
    if (!result) { return text.network; }
    if (result.status === 401 || (result.status === 403 && !result.data.error)) { return text.session; }
    return result.data.error || text.network;
  }

  // Send {key: typed} for the inputs given; each answers saved (its stored value) or refused (its reason).
  function send(inputs, typed) {
    var cells = {};
    inputs.forEach(function (input, i) { cells[keyOf(input)] = typed[i]; mark(input, "saving"); });
    pending += 1;
    var sent = queue.then(function () {
      return fetch(config.saveUrl, {
        method: "POST", credentials: "same-origin",
        headers: {"Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": csrfToken()},
        body: JSON.stringify({cells: cells})
      }).then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (data) {
          return {ok: response.ok, status: response.status, data: data};
        });
      });
    });
    queue = sent.catch(function () { return null; }).then(function () { pending -= 1; });
    sent.then(function (result) {
      if (!result.ok) {
        inputs.forEach(function (input) { input.value = input._saved; mark(input, "invalid", failure(result)); });
        say(failure(result), true);
        return;
      }
      var values = result.data.values || {}, errors = result.data.errors || {};
      inputs.forEach(function (input) {
        var key = keyOf(input);
        if (errors[key] !== undefined) {
          input.value = input._saved;
          mark(input, "invalid", errors[key]);
        } else if (values[key] !== undefined) {
          input.value = input._saved = values[key];
          mark(input, "saved");
        }
      });
      say(Object.keys(errors).length ? text.refused : text.saved, Object.keys(errors).length > 0);
    }, function () {
      inputs.forEach(function (input) { input.value = input._saved; mark(input, "invalid", text.network); });
      say(text.network, true);
    });
  }

  function set(input, typed) {
    var letter = letterOf(typed);
    input.value = letter === null ? typed : letter;
    if (letter !== null && letter === input._saved) { mark(input, null); return; }
    send([input], [typed]);  // a letter the sheet does not know is sent too: the server says why not
  }

  table.addEventListener("keydown", function (event) {
    var input = event.target;
    if (!input.classList || !input.classList.contains("lv") || event.ctrlKey || event.metaKey || event.altKey ||
        event.isComposing) {
      return;
    }
    var key = event.key;
    var moves = {ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1], Enter: [1, 0]};
    if (moves[key]) {
      event.preventDefault();
      focus(next(input._r, input._c, moves[key][0], moves[key][1]));
    } else if (key === "Delete" || key === "Backspace") {
      event.preventDefault();
      set(input, "");
    } else if (key.length === 1 && letterOf(key) !== null) {
      event.preventDefault();
      set(input, key);
      focus(next(input._r, input._c, 0, 1));
    } else if (key.length === 1) {
      event.preventDefault();
      set(input, key);
    }
  });

  // An input method (Telex "dd" → "đ") or a phone keyboard types without keydown keys: judge what landed.
  table.addEventListener("input", function (event) {
    var input = event.target;
    if (!input.classList || !input.classList.contains("lv") || event.isComposing) { return; }
    var typed = input.value.trim().slice(-1);
    set(input, typed);
  });

  table.addEventListener("paste", function (event) {
    var input = event.target;
    if (!input.classList || !input.classList.contains("lv")) { return; }
    var data = (event.clipboardData || window.clipboardData).getData("text");
    if (!data) { return; }
    event.preventDefault();
    var lines = data.replace(/\r/g, "").replace(/\n$/, "").split("\n");
    var inputs = [], typed = [];
    lines.forEach(function (line, dr) {
      line.split("\t").forEach(function (value, dc) {
        var r = input._r + dr, c = input._c + dc;
        var target = r < matrix.length && c < width ? matrix[r][c] : null;
        if (target) {
          var letter = letterOf(value);
          target.value = letter === null ? value.trim() : letter;
          inputs.push(target);
          typed.push(value.trim());
        }
      });
    });
    if (inputs.length) { send(inputs, typed); }
  });

  table.addEventListener("focusin", function (event) {
    if (event.target.classList && event.target.classList.contains("lv")) { event.target.select(); }
  });

  window.addEventListener("beforeunload", function (event) {
    if (pending > 0) {
      event.preventDefault();
      event.returnValue = text.pending;
    }
  });
}());
