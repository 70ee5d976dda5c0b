/* The score grid: keyboard moves, paste of a block from a spreadsheet, saves without reloading.
 *
 * Plain JavaScript for cheap laptops (Chromium, Firefox): no framework, no build step. The server
 * judges every value and every permission; this script only moves the cursor, collects the
 * cells that changed and shows what the server answered for each of them.
 */
(function () {
  "use strict";

  var table = document.getElementById("score-grid");
  var configNode = document.getElementById("grid-config");
  if (!table || !configNode) { return; }
  var config = JSON.parse(configNode.textContent);
  var text = config.messages;
  var statusNode = document.getElementById("grid-status");
  var problemsNode = document.getElementById("grid-problems");
  var problemsList = problemsNode.querySelector(".problems-list");
  var problemsSummary = problemsNode.querySelector(".problems-summary");
  var retryButton = document.getElementById("grid-retry");
  var requestLink = document.getElementById("grid-request");
  var dialog = document.getElementById("history-dialog");
  var dialogBody = document.getElementById("history-body");
  var MAX_TEXT = 100;
  var MAX_BATCH = 1000;
  // A cell is sent the moment it is left (Enter, Tab, an arrow, a click elsewhere); while the teacher
  // stays in it, after a pause in the typing, so "7,5" is one request and not one per key.
  var PAUSE_MS = 700;
  var RETRY_FIRST_MS = 1000;
  var RETRY_MAX_MS = 30000;

  // --- the matrix of cells: rows of the table body, entry columns in order ----------------------
  var rows = Array.prototype.slice.call(table.tBodies[0].rows).filter(function (tr) { return tr.dataset.e; });
  var matrix = rows.map(function (tr) {
    return Array.prototype.slice.call(tr.querySelectorAll("td.c")).map(function (td) {
      return td.querySelector("input.cell");
    });
  });
  var width = matrix.length ? matrix[0].length : 0;
  var byKey = {};  // "enrolment:kind:index" -> input
  matrix.forEach(function (cells, r) {
    cells.forEach(function (input, c) {
      if (!input) { return; }
      var td = input.parentNode;
      input._r = r;
      input._c = c;
      input._saved = input.value;  // what the server holds, as shown
      input._dirty = false;
      byKey[keyOf(rows[r].dataset.e, td.dataset.k, td.dataset.i)] = input;
    });
  });

  function keyOf(enrolment, kind, index) { return enrolment + ":" + kind + ":" + index; }
  function cellOf(input) { return input.parentNode; }
  function rowOf(input) { return rows[input._r]; }
  function at(r, c) { return (r >= 0 && r < matrix.length && c >= 0 && c < width) ? matrix[r][c] : null; }
  function format(message, values) {
    return message.replace(/%\((\w+)\)s/g, function (whole, name) { return name in values ? values[name] : whole; });
  }
  function csrfToken() {  // the cookie first: logging in again in another tab gives a new token
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    if (match) { return decodeURIComponent(match[1]); }
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.content : "";
  }

  // --- moving around -----------------------------------------------------------------------------
  var editing = false;  // F2, a double click or a click inside the focused cell: arrows move the caret
  var current = null;
  var tabStart = null;  // the column where a run of Tabs along a row began

  function focusCell(input) {
    if (!input) { return false; }
    if (studentView.open) { return studentView.show(input._r, input._c); }
    input.focus();
    return true;
  }

  function move(from, dr, dc) {
    var r = from._r + dr, c = from._c + dc;
    while (r >= 0 && r < matrix.length && c >= 0 && c < width) {
      if (matrix[r][c]) { return focusCell(matrix[r][c]); }
      r += dr; c += dc;
    }
    return false;
  }

  function across(from, step) {  // Tab / Shift+Tab: along the row, then on to the next or previous row
    var r = from._r, c = from._c + step;
    while (r >= 0 && r < matrix.length) {
      while (c >= 0 && c < width) {
        if (matrix[r][c]) { return matrix[r][c]; }
        c += step;
      }
      r += step;
      c = step > 0 ? 0 : width - 1;
    }
    return null;
  }

  table.addEventListener("mousedown", function (event) {
    var input = event.target;
    if (!input.classList || !input.classList.contains("cell")) { return; }
    if (document.activeElement !== input) {
      event.preventDefault();  // the whole cell is selected, so that typing replaces it
      input.focus();
    } else {
      editing = true;
    }
  });

  table.addEventListener("dblclick", function (event) {
    if (event.target.classList && event.target.classList.contains("cell")) { editing = true; }
  });

  table.addEventListener("focusin", function (event) {
    var input = event.target;
    if (!input.classList || !input.classList.contains("cell")) { return; }
    current = input;
    editing = false;
    input._typed = false;
    tabStart = null;  // any move resets it; Tab sets it again right after focusing
    input._before = input.value;
    input.select();
  });

  table.addEventListener("focusout", function (event) {
    var input = event.target;
    if (input.classList && input.classList.contains("cell")) { commit(input); }
  });

  table.addEventListener("input", function (event) {
    var input = event.target;
    if (!input.classList || !input.classList.contains("cell")) { return; }
    typed(input);
  });

  function undo(input) {  // Esc: first undoes the typing, then goes back to what the server holds
    input.value = input._dirty ? input._before : input._saved;
    input._dirty = false;
    if (input.value === input._saved) {
      setState(input, "");
      forget(input);
      release(input);
      input._offered = false;
      input._base = null;
    } else {
      keep(input);
      if (input._problem) { setState(input, input._problem.state, input._problem.message); }
    }
  }

  var pauseTimer = null;
  function typed(input) {  // also called by the per-student view, whose fields stand for these cells
    input._dirty = true;
    input._typed = true;
    input._base = null;  // typed over: the version now shown is the one it is based on
    input._offered = false;
    setState(input, "");
    keep(input);
    clearTimeout(pauseTimer);
    pauseTimer = setTimeout(function () {
      if (input._dirty && !/[.,]$/.test(input.value)) { commit(input); }  // "7," is still being typed
    }, PAUSE_MS);
  }

  table.addEventListener("keydown", function (event) {
    var input = event.target;
    if (!input.classList || !input.classList.contains("cell")) { return; }
    // Delete and Backspace need nothing here: the cell's text is selected on arrival, so they empty it;
    // and keystrokes of an input method (Vietnamese Telex/VNI, which also sends Backspaces) pass untouched.
    if (event.isComposing || event.keyCode === 229) { return; }
    var key = event.key;
    if ((event.ctrlKey || event.metaKey) && (key === "h" || key === "H")) {
      event.preventDefault();
      openHistory(input);
      return;
    }
    if (event.altKey || event.ctrlKey || event.metaKey) { return; }
    switch (key) {
      case "ArrowUp": event.preventDefault(); move(input, -1, 0); break;
      case "ArrowDown": event.preventDefault(); move(input, 1, 0); break;
      case "ArrowLeft":
      case "ArrowRight":
        if (!editing) { event.preventDefault(); move(input, 0, key === "ArrowLeft" ? -1 : 1); }
        break;
      case "Enter": {
        event.preventDefault();
        commit(input);
        // As in Excel: after typing a row with Tab, Enter goes to the next row's column where the Tabs began.
        var column = tabStart !== null ? tabStart : input._c;
        var down = event.shiftKey ? -1 : 1;
        var below = at(input._r + down, column);
        if (below) { focusCell(below); } else { move(input, down, 0); }
        break;
      }
      case "Tab": {
        var next = across(input, event.shiftKey ? -1 : 1);
        if (next) {  // past the last cell, Tab leaves the grid as usual
          event.preventDefault();
          commit(input);
          var start = tabStart === null ? input._c : tabStart;
          focusCell(next);
          tabStart = next._r === input._r ? start : null;
        }
        break;
      }
      case "Escape":
        event.preventDefault();
        undo(input);
        editing = false;
        input.select();
        break;
      case "F2":
        event.preventDefault();
        editing = true;
        input.setSelectionRange(input.value.length, input.value.length);
        break;
      default:
        break;
    }
  });

  // --- pasting a block from Excel or Google Sheets -------------------------------------------------
  table.addEventListener("paste", function (event) {
    var input = event.target;
    if (!input.classList || !input.classList.contains("cell")) { return; }
    var data = event.clipboardData || window.clipboardData;
    var pasted = data ? data.getData("text/plain") || data.getData("text") : "";
    if (!pasted) { return; }
    var lines = pasted.replace(/\r\n?/g, "\n").split("\n");
    if (lines.length > 1 && lines[lines.length - 1] === "") { lines.pop(); }
    var block = lines.map(function (line) { return line.split("\t"); });
    if (editing && block.length === 1 && block[0].length === 1) { return; }  // text pasted into the text being edited
    event.preventDefault();
    var batch = [], skipped = 0, rowsOut = [], columnsOut = [];
    block.forEach(function (values, dr) {
      values.forEach(function (value, dc) {
        var target = at(input._r + dr, input._c + dc);
        if (!target) {
          if (value.trim() === "") { return; }
          if (input._r + dr >= matrix.length) {  // below the last student
            if (rowsOut.indexOf(dr + 1) < 0) { rowsOut.push(dr + 1); }
          } else if (input._c + dc >= width) {  // right of the last column
            if (columnsOut.indexOf(dc + 1) < 0) { columnsOut.push(dc + 1); }
          } else {
            skipped += 1;  // a cell that cannot be typed in: locked, read-only, a student who left
          }
          return;
        }
        target.value = value.trim().slice(0, MAX_TEXT);
        target._dirty = false;
        target._base = null;
        target._offered = false;
        if (target.value !== target._saved) {
          batch.push(target);
        } else {
          setState(target, "");
          forget(target);
          release(target);
        }
      });
    });
    pasteNote(rowsOut, columnsOut, skipped);
    if (batch.length) { enqueue(batch, "paste", true); }
    input.select();
  });

  // --- the browser's copy of every change the server has not confirmed ------------------------
  // Kept in localStorage per user and grid until the server answers "saved": a lost connection, an
  // ended session, a closed tab or a crashed laptop loses nothing; the next visit offers it back.
  // Each change keeps the version it was typed over, so a value someone saved meanwhile is a conflict.
  var STORE_KEY = "schoolrecords.grid.v1." + config.userId + "." + config.gridKey;

  function readStore() {
    try {
      var data = JSON.parse(window.localStorage.getItem(STORE_KEY) || "{}");
      return data && typeof data === "object" ? data : {};
    } catch (error) {
      return {};
    }
  }

  function writeStore(data) {  // read, change, write at once: another tab of the same grid keeps its own
    try {
      if (Object.keys(data).length) {
        window.localStorage.setItem(STORE_KEY, JSON.stringify(data));
      } else {
        window.localStorage.removeItem(STORE_KEY);
      }
    } catch (error) { /* storage full or switched off: the page still saves, it only cannot keep a copy */ }
  }

  function baseOf(input) { return input._base !== null && input._base !== undefined ? input._base : input.dataset.v; }

  function keep(input) {
    var data = readStore();
    data[problemKey(input)] = {text: input.value.slice(0, MAX_TEXT), version: baseOf(input) || "", at: Date.now()};
    writeStore(data);
  }

  function release(input) {
    var data = readStore(), key = problemKey(input);
    if (key in data) { delete data[key]; writeStore(data); }
  }

  function rebase(input) {  // saved, but typed again since: the new text now stands on the new version
    var data = readStore(), key = problemKey(input);
    if (key in data) { data[key].version = input.dataset.v || ""; writeStore(data); }
  }

  // What a paste larger than the grid left out stays said until the teacher closes it or pastes again.
  var pasteNode = document.getElementById("grid-paste-note");

  function ranges(numbers) {  // [3, 4, 5, 8] -> "3–5, 8"
    numbers.sort(function (a, b) { return a - b; });
    var parts = [];
    numbers.forEach(function (number, position) {
      if (position && number === numbers[position - 1] + 1) {
        parts[parts.length - 1][1] = number;
      } else {
        parts.push([number, number]);
      }
    });
    return parts.map(function (part) { return part[0] === part[1] ? part[0] : part[0] + "–" + part[1]; }).join(", ");
  }

  function pasteNote(rowsOut, columnsOut, skipped) {
    if (!pasteNode) { return; }
    var lines = [];
    if (rowsOut.length) {
      var last = rows[rows.length - 1];
      lines.push(format(text.pasteRows, {rows: ranges(rowsOut), student: last.dataset.n + ". " +
        last.querySelector(".name").firstChild.textContent.trim()}));
    }
    if (columnsOut.length) {
      var tds = rows[0].querySelectorAll("td.c");
      lines.push(format(text.pasteColumns, {columns: ranges(columnsOut), column: columnLabel(tds[tds.length - 1])}));
    }
    if (skipped) { lines.push(format(text.pasteLocked, {count: skipped})); }
    var list = pasteNode.querySelector(".paste-lines");
    list.textContent = "";
    lines.forEach(function (line) {
      var item = document.createElement("li");
      item.textContent = line;
      list.appendChild(item);
    });
    pasteNode.hidden = !lines.length;
  }
  if (pasteNode) {
    document.getElementById("grid-paste-close").addEventListener("click", function () { pasteNode.hidden = true; });
  }

  // --- saving ------------------------------------------------------------------------------------
  // Batches wait here until sent, one request at a time: a cell edited again while its save is in
  // flight is sent afterwards, with the version that save returned. A paste is always one request.
  var queue = [];  // [{source, cells: [input, …]}]
  var inFlight = false;
  var timer = null;
  var failed = [];  // cells the connection, the server or an ended session kept from being saved
  var failure = "";  // why the last of them failed: "network", "server" or "session"

  function commit(input) {
    if (!input._dirty) { return; }
    input._dirty = false;
    if (input.value === input._saved && !input._offered) {
      setState(input, "");
      forget(input);
      release(input);
      return;
    }
    enqueue([input], "typed");
  }

  function forget(input) {
    queue.forEach(function (batch) {
      batch.cells = batch.cells.filter(function (queued) { return queued !== input; });
    });
    removeProblem(input);
  }

  function enqueue(inputs, source) {
    inputs.forEach(forget);
    inputs.forEach(keep);
    var last = queue[queue.length - 1];
    if (source === "typed" && last && last.source === "typed") {
      last.cells = last.cells.concat(inputs);
    } else {
      queue.push({source: source, cells: inputs.slice()});
    }
    inputs.forEach(function (input) { setState(input, "s-pending"); });
    showStatus(text.pending, "busy");
    clearTimeout(timer);
    timer = setTimeout(flush, 0);  // cells left in the same moment (a paste, Tab) share one request
  }

  function flush() {
    queue.forEach(function (batch) {  // a cell being typed into again is sent when the teacher leaves it
      batch.cells = batch.cells.filter(function (input) { return !input._dirty; });
    });
    queue = queue.filter(function (batch) { return batch.cells.length; });
    if (inFlight || !queue.length) { return; }
    var batch = queue.shift();
    if (batch.cells.length > MAX_BATCH) {
      queue.unshift({source: batch.source, cells: batch.cells.slice(MAX_BATCH)});
      batch.cells = batch.cells.slice(0, MAX_BATCH);
    }
    send(batch);
  }

  function payloadOf(input) {
    var td = cellOf(input);
    var value = input.value.slice(0, MAX_TEXT);
    var version = baseOf(input);
    // A make-up keeps its status when its result is corrected; anything else typed is an ordinary result.
    var status = input.dataset.s === "made_up" && value.trim() !== "" ? "made_up" : "recorded";
    return {
      enrolment: Number(rowOf(input).dataset.e), kind: td.dataset.k, index: Number(td.dataset.i), text: value,
      version: version ? Number(version) : null, status: status
    };
  }

  function send(batch) {
    inFlight = true;
    var inputs = batch.cells;
    var sentText = inputs.map(function (input) { return input.value; });
    inputs.forEach(function (input) { setState(input, "s-saving"); });
    showStatus(text.saving, "busy");
    fetch(config.saveUrl, {
      method: "POST",
      credentials: "same-origin",
      redirect: "manual",
      headers: {"Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": csrfToken()},
      body: JSON.stringify({source: batch.source, cells: inputs.map(payloadOf)})
    }).then(function (response) {
      var type = response.headers.get("Content-Type") || "";
      if (response.status >= 500) { throw new Error("server"); }
      // The login page instead of JSON, a redirect to it, or a refused CSRF token: the session has ended.
      if (response.type === "opaqueredirect" || response.status === 401 || type.indexOf("application/json") < 0) {
        failAll(inputs, text.session, "session");
        return;
      }
      return response.json().then(function (data) {
        if (!response.ok) { failAll(inputs, data.error || text.server); return; }
        retryDelay = 0;
        apply(data, inputs, sentText);
      });
    }).catch(function (error) {
      var server = error && error.message === "server";
      failAll(inputs, server ? text.server : text.network, server ? "server" : "network");
    }).then(function () {
      inFlight = false;
      if (queue.length) { flush(); } else { summarise(); }
    });
  }

  function apply(data, inputs, sentText) {
    var sent = {};
    inputs.forEach(function (input, position) { sent[keyOf(rowOf(input).dataset.e, cellOf(input).dataset.k, cellOf(input).dataset.i)] = position; });
    data.cells.forEach(function (cell) {
      var key = keyOf(cell.enrolment, cell.kind, cell.index);
      var input = byKey[key];
      if (!input) { return; }
      var typedAgain = input._dirty || input.value !== sentText[sent[key]];
      input._base = null;
      input._offered = false;
      if (cell.outcome === "saved" || cell.outcome === "unchanged") {
        input.dataset.v = cell.version === null ? "" : cell.version;
        input.dataset.s = cell.status || "";
        input._saved = cell.text;
        if (typedAgain) {
          rebase(input);
        } else {
          release(input);
          if (input.value !== cell.text) { input.value = cell.text; }  // "7.5" is shown as "7,5"
          if (document.activeElement === input && !editing) {
            // Saved after a pause while the teacher is still in the cell: go on typing at the end.
            if (input._typed) { input.setSelectionRange(input.value.length, input.value.length); } else { input.select(); }
          }
        }
        removeProblem(input);
        markStatus(input, cell.status);
        setState(input, typedAgain ? "" : "s-saved");
      } else if (cell.outcome === "conflict") {
        // Someone else saved this cell meanwhile: keep what was typed on screen, show theirs, save nothing.
        // Typing it again saves over their value knowingly, against the version now shown. The browser's
        // copy keeps the version it was typed over, so a reload asks again instead of overwriting.
        input.dataset.v = cell.version === null ? "" : cell.version;
        input.dataset.s = cell.status || "";
        input._saved = cell.text;
        setState(input, "s-conflict", cell.message);
        addProblem(input, cell.message, cell.text);
      } else {
        // Not a score at all ("12", "x"): the teacher fixes it on screen, the browser keeps no copy of it.
        // Refused by the entry rules (a recorded score, a closed column): kept, it is what the teacher meant.
        if (cell.outcome === "invalid") { release(input); }
        setState(input, "s-error", cell.message);
        addProblem(input, cell.message, undefined, cell.remedy);
      }
    });
    (data.rows || []).forEach(function (row) {
      var tr = table.querySelector('tr[data-e="' + row.enrolment + '"]');
      if (!tr) { return; }
      ["term", "year"].forEach(function (column) {
        var td = tr.querySelector('td.avg[data-col="' + column + '"]');
        if (!td || !(column in row) || td.textContent === row[column]) { return; }
        td.textContent = row[column];
        td.classList.remove("changed");
        void td.offsetWidth;  // restart the flash
        td.classList.add("changed");
      });
    });
    studentView.results();
  }

  // kind: "network", "server" or "session" for cells sent again by themselves; none for a refusal.
  function failAll(inputs, message, kind) {
    inputs.forEach(function (input) {
      setState(input, "s-error", message);
      addProblem(input, message);
      if (kind && failed.indexOf(input) < 0) { failed.push(input); }
    });
    if (kind) {
      failure = kind;
      retryButton.hidden = false;
      scheduleRetry();
    }
  }

  // Sent again after 1 s, 2 s, 4 s … at most 30 s apart, and at once when the browser is back online.
  var retryDelay = 0;
  var retryTimer = null;

  function scheduleRetry() {
    clearTimeout(retryTimer);
    retryDelay = retryDelay ? Math.min(retryDelay * 2, RETRY_MAX_MS) : RETRY_FIRST_MS;
    retryTimer = setTimeout(function () {
      retryTimer = null;
      if (failed.length && !inFlight) { resend(); } else if (failed.length) { scheduleRetry(); }
    }, retryDelay);
  }

  function resend() {
    clearTimeout(retryTimer);
    retryTimer = null;
    var again = failed.filter(function (input) { return input.value !== input._saved || input._offered; });
    failed = [];
    retryButton.hidden = true;
    if (again.length) { enqueue(again, "typed"); } else { summarise(); }
  }
  retryButton.addEventListener("click", function () { retryDelay = 0; resend(); });
  window.addEventListener("online", function () {
    if (failed.length) { retryDelay = 0; resend(); }
  });

  // --- changes an earlier visit left unconfirmed: offered back --------------------------------
  var offer = document.getElementById("grid-offer");
  var offered = [];  // inputs showing a kept value, waiting for the teacher's word

  function sameValue(a, b) {
    var number = /^\s*\d+(?:[.,]\d+)?\s*$/;
    if (number.test(a) && number.test(b)) {
      return Number(a.trim().replace(",", ".")) === Number(b.trim().replace(",", "."));
    }
    return a.trim().toUpperCase() === b.trim().toUpperCase();
  }

  function offerEarlier() {
    var data = readStore(), changed = false, elsewhere = [];
    Object.keys(data).forEach(function (key) {
      var entry = data[key], input = byKey[key];
      if (!entry || typeof entry.text !== "string") { delete data[key]; changed = true; return; }
      if (!input) { elsewhere.push(key); return; }  // no longer typed here (locked, left the class): listed
      if (sameValue(entry.text, input._saved)) {  // it did reach the server (only the answer was lost),
        delete data[key]; changed = true; return;  // or someone saved the same value: nothing to send
      }
      input._base = String(entry.version || "");
      input._offered = true;
      input.value = entry.text;
      setState(input, "s-stored", text.storedCell);
      offered.push(input);
    });
    if (changed) { writeStore(data); }
    if (!offer || (!offered.length && !elsewhere.length)) { return; }
    offer.querySelector(".offer-text").textContent = format(text.offer, {count: offered.length + elsewhere.length});
    var list = offer.querySelector(".offer-list");
    elsewhere.forEach(function (key) {
      var item = document.createElement("li");
      var parts = key.split(":");
      var tr = table.querySelector('tr[data-e="' + parts[0] + '"]');
      var td = tr ? tr.querySelector('td.c[data-k="' + parts[1] + '"][data-i="' + parts[2] + '"]') : null;
      item.textContent = (tr ? tr.dataset.n + ". " + tr.querySelector(".name").firstChild.textContent.trim() : "?") +
        ", " + (td ? columnLabel(td) : parts[1] + parts[2]) + ": " + data[key].text + " — " + text.offerElsewhere;
      list.appendChild(item);
    });
    document.getElementById("grid-offer-send").hidden = !offered.length;
    offer.hidden = false;
  }

  function closeOffer(discardAll) {
    var data = readStore();
    offered.forEach(function (input) {
      if (!input._offered) { return; }  // typed over meanwhile: already on its way
      input._offered = false;
      input._base = null;
      input.value = input._saved;
      setState(input, "");
      delete data[problemKey(input)];
    });
    if (discardAll) {
      Object.keys(data).forEach(function (key) { if (!byKey[key]) { delete data[key]; } });
    }
    writeStore(data);
    offered = [];
    offer.hidden = true;
  }

  if (offer) {
    document.getElementById("grid-offer-send").addEventListener("click", function () {
      var waiting = offered.filter(function (input) { return input._offered; });
      offered = [];
      offer.hidden = true;
      if (waiting.length) { enqueue(waiting, "typed"); }
    });
    document.getElementById("grid-offer-discard").addEventListener("click", function () {
      closeOffer(true);
      summarise();
    });
  }

  // --- what the teacher sees of each save ------------------------------------------------------
  function setState(input, state, message) {
    var td = cellOf(input);
    td.classList.remove("s-pending", "s-saving", "s-saved", "s-error", "s-conflict", "s-stored");
    if (state) { td.classList.add(state); }
    if (message) {
      td.title = message;
    } else if (td.dataset.statusTitle !== undefined) {
      td.title = td.dataset.statusTitle;
    } else {
      td.removeAttribute("title");
    }
    studentView.reflect(input, state, message);
  }

  function markStatus(input, status) {
    var td = cellOf(input);
    td.classList.remove("st-made_up", "st-forfeited");
    delete td.dataset.statusTitle;
    if (status === "made_up" || status === "forfeited") { td.classList.add("st-" + status); }
  }

  var problems = {};  // key -> <li>

  function problemKey(input) { return keyOf(rowOf(input).dataset.e, cellOf(input).dataset.k, cellOf(input).dataset.i); }

  // A recorded score typed over: the server refuses it and names the path (re-entry or correction
  // request). The typed value stays, and the form of that path opens with it already filled in.
  function requestUrl(keys) {
    return config.correctionUrl + "?" + keys.map(function (key) {
      return "cell=" + encodeURIComponent(key) + "&new-" + encodeURIComponent(key) + "=" +
        encodeURIComponent(byKey[key].value);
    }).join("&");
  }

  function updateRequestLink() {
    var keys = Object.keys(problems).filter(function (key) { return byKey[key] && byKey[key]._remedy; });
    requestLink.hidden = keys.length === 0;
    if (keys.length) {
      requestLink.href = requestUrl(keys);
      requestLink.textContent = format(text.requestAll, {count: keys.length});
    }
  }

  function addProblem(input, message, serverText, remedy) {
    var key = problemKey(input);
    input._remedy = remedy || "";
    var item = problems[key] || document.createElement("li");
    item.textContent = "";
    var tr = rowOf(input);
    var link = document.createElement("a");
    link.textContent = tr.dataset.n + ". " + tr.querySelector(".name").firstChild.textContent.trim() + ", " +
      columnLabel(cellOf(input)) + ": ";
    link.addEventListener("click", function () { focusCell(input); });
    item.appendChild(link);
    item.appendChild(document.createTextNode(message));
    item.className = serverText === undefined ? "" : "conflict";
    if (serverText !== undefined) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "secondary";
      button.textContent = text.useCurrent;
      button.addEventListener("click", function () {
        input.value = input._saved;
        input._dirty = false;
        setState(input, "");
        removeProblem(input);
        release(input);
        summarise();
      });
      item.appendChild(button);
    }
    if (remedy) {
      var path = document.createElement("a");
      path.className = "button small";
      path.href = requestUrl([key]);
      path.textContent = remedy === "reentry" ? text.reentry : text.correction;
      item.appendChild(document.createTextNode(" "));
      item.appendChild(path);
    }
    if (!problems[key]) { problemsList.appendChild(item); }
    problems[key] = item;
    updateRequestLink();
    input._problem = {state: serverText === undefined ? "s-error" : "s-conflict", message: message};
  }

  function columnLabel(td) {
    return table.tHead.querySelector('th[data-col="' + td.dataset.col + '"]').firstChild.textContent.trim();
  }

  function removeProblem(input) {
    var key = problemKey(input);
    input._problem = null;
    if (problems[key]) {
      problems[key].remove();
      delete problems[key];
      failed = failed.filter(function (other) { return other !== input; });
    }
    input._remedy = "";
    updateRequestLink();
    if (!Object.keys(problems).length) { retryButton.hidden = true; }
  }

  function summarise() {
    var count = Object.keys(problems).length;
    problemsNode.hidden = count === 0;
    // Not the teacher's input but the connection, the server or the session: the advice fits the cause,
    // and never says Esc, which would throw the typed score away.
    var advice = failed.length ? format(text[failure === "session" ? "sessionWaiting" :
                                             failure === "server" ? "serverWaiting" : "waiting"],
                                        {count: failed.length}) : "";
    problemsSummary.textContent = !count ? "" : advice || format(text.problems, {count: count});
    if (inFlight || queue.some(function (batch) { return batch.cells.length; })) { return; }
    if (count && failed.length) {
      showStatus(advice, "err");
    } else if (count) {
      showStatus(format(text.problems, {count: count}), "err");
    } else {
      showStatus(text.saved, "ok");
    }
  }

  function showStatus(message, kind) {
    statusNode.textContent = message;
    statusNode.className = "grid-status " + (kind || "");
  }

  var noticeTimer = null;
  function notice(message) {
    showStatus(message, "busy");
    clearTimeout(noticeTimer);
    noticeTimer = setTimeout(summarise, 6000);
  }

  // Status titles of make-up cells, so that clearing a save state puts them back.
  Array.prototype.forEach.call(table.querySelectorAll("td.st-made_up, td.st-forfeited"), function (td) {
    td.dataset.statusTitle = td.title;
  });


  // --- one student at a time (a phone): that student's columns one under another ------------------
  // Its fields stand for the grid's cells: what is typed goes into the cell and through the same
  // commit, queue, browser copy and save as typing in the grid; what the server answers comes back.
  var studentView = (function () {
    var section = document.getElementById("student-view");
    var button = document.getElementById("student-view-button");
    var scroller = document.getElementById("grid-scroll");
    var view = {open: false, row: -1, show: function () { return false; }, reflect: function () {}, results: function () {}};
    if (!section || !button) { return view; }
    var fieldsNode = document.getElementById("sv-fields");
    var fields = [];  // by column: {wrap, input (null when read-only), message}
    var enterable = [];  // row positions with at least one cell the teacher may type in
    matrix.forEach(function (cells, r) { if (cells.some(Boolean)) { enterable.push(r); } });

    function field(c) { return fields[c] && fields[c].input; }

    view.show = function (r, c) {
      if (enterable.indexOf(r) < 0) { r = enterable.length ? enterable[0] : -1; }
      if (r < 0) { return false; }
      view.row = r;
      var tr = rows[r];
      var tds = tr.querySelectorAll("td.c");
      document.getElementById("sv-name").textContent = tr.dataset.n + ". " + tr.querySelector(".name").firstChild.textContent.trim();
      document.getElementById("sv-count").textContent = (enterable.indexOf(r) + 1) + " / " + enterable.length;
      document.getElementById("sv-prev").disabled = enterable.indexOf(r) === 0;
      document.getElementById("sv-next").disabled = enterable.indexOf(r) === enterable.length - 1;
      var leaving = document.activeElement && document.activeElement._target;
      if (leaving) { commit(leaving); }  // a removed field may go without a focusout
      fieldsNode.textContent = "";
      fields = [];
      Array.prototype.forEach.call(tds, function (td, position) {
        var target = matrix[r][position];
        var wrap = document.createElement("div");
        wrap.className = "sv-field";
        var label = document.createElement("label");
        label.textContent = columnLabel(td);
        var box, message = document.createElement("span");
        message.className = "sv-message";
        if (target) {
          box = document.createElement("input");
          box.type = "text";
          box.id = "sv-cell-" + position;
          box.className = "sv-input";
          box.value = target.value;
          box.autocomplete = "off";
          box.spellcheck = false;
          box.setAttribute("inputmode", config.commented ? "text" : "decimal");  // the number keypad
          box.setAttribute("enterkeyhint", "next");
          box._target = target;
          label.htmlFor = box.id;
        } else {
          box = document.createElement("span");
          box.className = "sv-ro";
          box.textContent = td.textContent.trim();
          if (td.title) { box.title = td.title; }
        }
        var mark = document.createElement("span");
        mark.className = "sv-mark";
        wrap.appendChild(label);
        wrap.appendChild(box);
        wrap.appendChild(mark);
        wrap.appendChild(message);
        fieldsNode.appendChild(wrap);
        fields.push({wrap: wrap, input: target ? box : null, message: message});
        if (target) {
          var state = ["s-pending", "s-saving", "s-saved", "s-error", "s-conflict", "s-stored"].filter(function (name) {
            return td.classList.contains(name);
          })[0];
          if (state) { view.reflect(target, state, td.title); }
        }
      });
      view.results();
      var focus = field(c) || fields.map(function (f) { return f.input; }).filter(Boolean)[0];
      if (focus && c !== undefined) { focus.focus(); focus.select(); }
      return true;
    };

    view.reflect = function (input, state, message) {
      if (!view.open || input._r !== view.row || !fields[input._c]) { return; }
      var entry = fields[input._c];
      entry.wrap.className = "sv-field" + (state ? " " + state : "");
      entry.message.textContent = state === "s-error" || state === "s-conflict" || state === "s-stored" ? message || "" : "";
      if (entry.input && (document.activeElement !== entry.input || !input._dirty) && entry.input.value !== input.value) {
        entry.input.value = input.value;
      }
    };

    view.results = function () {
      if (!view.open) { return; }
      var parts = [];
      Array.prototype.forEach.call(rows[view.row].querySelectorAll("td.avg"), function (td) {
        var th = table.tHead.querySelector('th[data-col="' + td.dataset.col + '"]');
        parts.push((th ? th.textContent.trim() : td.dataset.col) + ": " + (td.textContent.trim() || "—"));
      });
      document.getElementById("sv-results").textContent = parts.join(" · ");
    };

    function step(delta) {
      var position = enterable.indexOf(view.row) + delta;
      if (position < 0 || position >= enterable.length) { return false; }
      return view.show(enterable[position], 0);
    }

    function toggle(open) {
      view.open = open;
      section.hidden = !open;
      scroller.hidden = open;
      button.setAttribute("aria-pressed", open ? "true" : "false");
      var other = button.dataset.other;
      button.dataset.other = button.textContent;
      button.textContent = other;
      if (open) {
        view.show(current ? current._r : enterable[0], current ? current._c : 0);
      } else if (view.row >= 0) {
        var back = matrix[view.row].filter(Boolean)[0];
        if (back) { back.focus(); }
      }
    }

    button.addEventListener("click", function () { toggle(!view.open); });
    document.getElementById("sv-prev").addEventListener("click", function () { step(-1); });
    document.getElementById("sv-next").addEventListener("click", function () { step(1); });

    fieldsNode.addEventListener("focusin", function (event) {
      var target = event.target._target;
      if (!target) { return; }
      current = target;
      target._before = target.value;
      target._typed = false;
    });
    fieldsNode.addEventListener("input", function (event) {
      var target = event.target._target;
      if (!target) { return; }
      target.value = event.target.value;
      typed(target);
    });
    fieldsNode.addEventListener("focusout", function (event) {
      if (event.target._target) { commit(event.target._target); }
    });
    fieldsNode.addEventListener("keydown", function (event) {
      var box = event.target, target = box._target;
      if (!target || event.isComposing || event.keyCode === 229) { return; }
      if (event.key === "Escape") {
        event.preventDefault();
        undo(target);
        box.value = target.value;
        box.select();
      } else if (event.key === "Enter") {  // the phone's "next" key: the next column, then the next student
        event.preventDefault();
        commit(target);
        var down = event.shiftKey ? -1 : 1;
        for (var c = target._c + down; c >= 0 && c < fields.length; c += down) {
          if (field(c)) { field(c).focus(); field(c).select(); return; }
        }
        if (step(down) && down < 0) {
          var last = fields.map(function (f) { return f.input; }).filter(Boolean).pop();
          if (last) { last.focus(); last.select(); }
        }
      }
    });
    return view;
  })();

  // On a phone the tools and the legend fold away; the teacher opens them when needed.
  var fold = document.getElementById("grid-fold");
  if (fold && window.matchMedia && window.matchMedia("(max-width: 900px)").matches) { fold.open = false; }

  offerEarlier();

  window.addEventListener("beforeunload", function (event) {
    if (current && current._dirty) { commit(current); }
    var unsent = failed.some(function (input) { return input.value !== input._saved; });
    if (unsent || inFlight || queue.some(function (batch) { return batch.cells.length; })) {
      event.preventDefault();
      event.returnValue = text.leave;
      return text.leave;
    }
  });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden" && current && current._dirty) { commit(current); flush(); }
  });

  // --- a cell's history ------------------------------------------------------------------------
  function openHistory(input) {
    opener = input;
    var td = input.tagName === "TD" ? input : cellOf(input);
    var tr = td.parentNode;
    var url = config.historyUrl + "?enrolment=" + encodeURIComponent(tr.dataset.e) +
      "&column=" + encodeURIComponent(td.dataset.col);
    fetch(url, {credentials: "same-origin", headers: {"HX-Request": "true"}}).then(function (response) {
      if (!response.ok) { throw new Error(String(response.status)); }
      return response.text();
    }).then(function (html) {
      dialogBody.innerHTML = html;  // our own server's fragment, escaped by Django's templates
      if (dialog.showModal) { dialog.showModal(); } else { dialog.setAttribute("open", ""); }
    }).catch(function () { notice(text.historyFailed); });
  }

  var opener = null;
  dialog.addEventListener("close", function () {
    if (opener && document.body.contains(opener)) { opener.focus(); } else if (current) { current.focus(); }
  });

  var historyButton = document.getElementById("history-button");
  if (historyButton) {
    historyButton.addEventListener("mousedown", function (event) { event.preventDefault(); });  // keep the cell focused
    historyButton.addEventListener("click", function () {
      if (current) { openHistory(current); } else { notice(text.chooseCell); }
    });
  }
  table.addEventListener("click", function (event) {
    if (event.target.classList && event.target.classList.contains("pick")) { return; }  // ticking for a correction
    var td = event.target.closest ? event.target.closest("td.c.has-history") : null;
    if (td) { openHistory(td); }
  });
  table.addEventListener("keydown", function (event) {
    var td = event.target;
    if ((event.key === "Enter" || event.key === " ") && td.classList && td.classList.contains("has-history") &&
        !td.classList.contains("pick")) {
      event.preventDefault();
      openHistory(td);
    }
  });
})();
