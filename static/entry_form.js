// The entry form: add and remove lines, keep the running difference of debits and credits.
// Amounts are added as integer fen, never as floating-point yuan.
(function () {
  "use strict";
  var form = document.getElementById("entry-form");
  if (!form) { return; }
  var body = form.querySelector("#lines tbody");

  function toFen(text) {
    // Full-width digits and separators from Chinese input methods, thousands commas.
    var s = (text || "").replace(/[\uFF10-\uFF19]/g, function (c) { return String.fromCharCode(c.charCodeAt(0) - 0xFEE0); })
      .replace(/\uFF0E/g, ".").replace(/[,\uFF0C\s\u00A5\uFFE5]/g, "");
    if (!/^-?\d+(\.\d{0,2})?$/.test(s)) { return s === "" ? 0 : null; }
    var neg = s.charAt(0) === "-";
    if (neg) { s = s.slice(1); }
    var parts = s.split(".");
    var fen = parseInt(parts[0], 10) * 100 + parseInt(((parts[1] || "") + "00").slice(0, 2), 10);
    return neg ? -fen : fen;
  }

  function show(fen) {
    var neg = fen < 0, abs = Math.abs(fen);
    var yuan = String(Math.floor(abs / 100)).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
    return (neg ? "-" : "") + yuan + "." + String(abs % 100).padStart(2, "0");
  }

  function recount() {
    var debit = 0, credit = 0, bad = false;
    body.querySelectorAll("input.amount").forEach(function (input) {
      var fen = toFen(input.value);
      input.classList.toggle("bad", fen === null);
      if (fen === null) { bad = true; return; }
      if (input.classList.contains("debit")) { debit += fen; } else { credit += fen; }
    });
    document.getElementById("total-debit").textContent = show(debit);
    document.getElementById("total-credit").textContent = show(credit);
    var cell = document.getElementById("difference");
    var diff = debit - credit;
    cell.textContent = diff === 0 && !bad ? cell.dataset.balanced : cell.dataset.label + " " + show(diff);
    cell.classList.toggle("unbalanced", diff !== 0 || bad);
  }

  function renumber() {
    body.querySelectorAll("tr.line").forEach(function (row, i) {
      row.querySelectorAll("input").forEach(function (input) {
        input.name = input.name.replace(/-\d+$/, "-" + i);
      });
    });
  }

  document.getElementById("add-line").addEventListener("click", function () {
    var rows = body.querySelectorAll("tr.line");
    var copy = rows[rows.length - 1].cloneNode(true);
    copy.classList.remove("invalid");
    copy.querySelectorAll("input").forEach(function (input) { input.value = ""; input.classList.remove("bad"); });
    body.appendChild(copy);
    renumber();
    copy.querySelector("input").focus();
  });

  body.addEventListener("click", function (event) {
    if (!event.target.classList.contains("remove-line")) { return; }
    var rows = body.querySelectorAll("tr.line");
    if (rows.length <= 2) { return; }
    var row = event.target.closest("tr");
    var next = row.nextElementSibling;
    if (next && next.classList.contains("line-error")) { next.remove(); }
    row.remove();
    renumber();
    recount();
  });

  // Refuse to send an unbalanced entry; the server refuses it too, with the same words beside the totals.
  form.addEventListener("submit", function (event) {
    if (!document.getElementById("difference").classList.contains("unbalanced")) { return; }
    event.preventDefault();
    document.getElementById("lines-error").textContent = document.getElementById("difference").dataset.refuse;
  });

  body.addEventListener("input", function (event) {
    if (event.target.classList.contains("amount")) { recount(); }
  });
  recount();
})();
