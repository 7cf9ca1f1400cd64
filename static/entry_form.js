// The entry form: add and remove lines, keep the running difference of debits and credits.
// Amounts are added as integer fen, never as floating-point yuan.
(function () {
  "use strict";
  var form = document.getElementById("entry-form");
  if (!form) { return; }
  var body = form.querySelector("#lines tbody");

  // What the server's parse_amount takes: digits, at most two decimals (zeros after them are harmless).
  var AMOUNT = /^-?(\d+\.?|\d*\.\d{1,2})0*$/;

  function normalise(text) {
    // Full-width digits and separators from Chinese input methods, thousands commas.
    return (text || "").replace(/[\uFF10-\uFF19]/g, function (c) { return String.fromCharCode(c.charCodeAt(0) - 0xFEE0); })
      .replace(/\uFF0E/g, ".").replace(/[,\uFF0C\s\u00A5\uFFE5]/g, "");
  }

  function amountProblem(text) {
    // What is wrong with a typed amount, in the words the form carries: "" when nothing is. The server's
    // rules: digits, two decimals at most, never negative (the column says the side), never zero.
    var s = normalise(text);
    if (s === "") { return ""; }
    if (!AMOUNT.test(s)) { return /^-?\d*\.\d{3,}$/.test(s) ? form.dataset.msgDecimals : form.dataset.msgNumber; }
    var fen = toFen(s);
    return fen < 0 ? form.dataset.msgNegative : (fen === 0 ? form.dataset.msgZero : "");
  }

  function fundOf(text) {
    // The fund's code as the server would pick it (a code, "code name", or an exact name); "" if unknown.
    var t = (text || "").trim().replace(/\s+/g, " "), first = t.split(" ")[0], lower = t.toLowerCase();
    for (var i = 0; i < charts.fund.length; i++) {
      var f = charts.fund[i];
      if (f.code === t || f.code === first || f.names.indexOf(lower) !== -1) { return f.code; }
    }
    return t;
  }

  function toFen(text) {
    var s = normalise(text);
    if (!AMOUNT.test(s)) { return s === "" ? 0 : null; }
    var neg = s.charAt(0) === "-";
    if (neg) { s = s.slice(1); }
    var parts = s.split(".");
    var fen = parseInt(parts[0] || "0", 10) * 100 + parseInt(((parts[1] || "") + "00").slice(0, 2), 10);
    return neg ? -fen : fen;
  }

  function show(fen) {
    var neg = fen < 0, abs = Math.abs(fen);
    var yuan = String(Math.floor(abs / 100)).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
    return (neg ? "-" : "") + yuan + "." + String(abs % 100).padStart(2, "0");
  }

  function say(input, message) {
    // The message slot beside this field. The server fills the same slot; what it said stays until the
    // field is changed (it may know more than this page: a fund that does not balance, a zero amount).
    input.dataset.problem = message;
    if (!message && !input.dataset.touched) { return; }
    var slot = input.parentNode.querySelector(".field-error");
    input.classList.toggle("bad", message !== "");
    if (slot) { slot.textContent = message; }
    input.closest("tr").classList.toggle("invalid", input.closest("tr").querySelector("input.bad") !== null);
  }

  function chart(listId) {
    var items = [];
    document.querySelectorAll("#" + listId + " option").forEach(function (o) {
      items.push({ code: o.dataset.code, value: o.value, names: (o.dataset.names || "").toLowerCase().split("|") });
    });
    return items;
  }

  var charts = { account: chart("accounts"), fund: chart("funds") };

  function pickProblem(kind, text) {
    // The server's rule: a code, "code name" from the list, or an exact name (Chinese or English).
    var t = (text || "").trim().replace(/\s+/g, " ");
    if (t === "") { return ""; }
    var items = charts[kind], first = t.split(" ")[0], lower = t.toLowerCase(), named = [];
    for (var i = 0; i < items.length; i++) {
      if (items[i].code === t || items[i].code === first) { return ""; }
      if (items[i].names.indexOf(lower) !== -1) { named.push(items[i].code); }
    }
    if (named.length === 1) { return ""; }
    return named.length > 1 ? form.dataset.msgSeveral + " (" + named.join(", ") + ")" : form.dataset["msg" + (kind === "fund" ? "Fund" : "Account")];
  }

  function checkPick(input) {
    var kind = input.classList.contains("pick-fund") ? "fund" : "account";
    var problem = pickProblem(kind, input.value);
    say(input, problem);
    // A code typed alone: say which account or fund it is, so a slip of one digit shows.
    var picked = input.parentNode.querySelector(".picked"), t = input.value.trim(), shown = "";
    if (!problem && t && t.indexOf(" ") === -1) {
      for (var i = 0; i < charts[kind].length; i++) {
        if (charts[kind][i].code === t) { shown = charts[kind][i].value.slice(t.length + 1); }
      }
    }
    if (picked) { picked.textContent = shown; }
  }

  function recount() {
    var debit = 0, credit = 0, bad = false, funds = {};
    body.querySelectorAll("tr.line").forEach(function (row) {
      var d = row.querySelector("input.debit"), c = row.querySelector("input.credit");
      var fund = fundOf(row.querySelector("input.pick-fund").value);
      [d, c].forEach(function (input) {
        var problem = amountProblem(input.value);
        say(input, problem);
        if (problem) { bad = true; return; }
        var fen = toFen(input.value);
        if (input === d) { debit += fen; } else { credit += fen; }
        funds[fund] = (funds[fund] || 0) + (input === d ? fen : -fen);
      });
      if (!d.dataset.problem && !c.dataset.problem && normalise(d.value) !== "" && normalise(c.value) !== "") {
        say(c, form.dataset.msgBoth);
      }
    });
    document.getElementById("total-debit").textContent = show(debit);
    document.getElementById("total-credit").textContent = show(credit);
    var cell = document.getElementById("difference");
    var diff = debit - credit;
    // Never "balanced" while an amount is not understood (the totals would leave it out), nor while one
    // fund is out of balance although the totals agree (the server refuses that too).
    var off = Object.keys(funds).filter(function (f) { return funds[f] !== 0; });
    var fundOff = !bad && diff === 0 && off.length > 0;
    cell.textContent = bad ? cell.dataset.bad
      : (diff !== 0 ? cell.dataset.label + " " + show(diff)
        : (fundOff ? cell.dataset.fund.replace("{fund}", off[0]).replace("{diff}", show(funds[off[0]])) : cell.dataset.balanced));
    cell.classList.toggle("unbalanced", diff !== 0 || bad || fundOff);
  }

  function renumber() {
    body.querySelectorAll("tr.line").forEach(function (row, i) {
      row.querySelectorAll("input").forEach(function (input) {
        input.name = input.name.replace(/-\d+$/, "-" + i);
      });
      row.querySelectorAll(".field-error").forEach(function (slot) {
        slot.dataset.testid = "error-" + slot.dataset.field + "-" + i;
      });
    });
  }

  document.getElementById("add-line").addEventListener("click", function () {
    var rows = body.querySelectorAll("tr.line");
    var copy = rows[rows.length - 1].cloneNode(true);
    copy.classList.remove("invalid");
    copy.querySelectorAll("input").forEach(function (input) {
      input.value = ""; input.classList.remove("bad"); delete input.dataset.touched; delete input.dataset.problem;
    });
    copy.querySelectorAll(".field-error").forEach(function (slot) { slot.textContent = ""; });
    body.appendChild(copy);
    renumber();
    copy.querySelector("input").focus();
  });

  body.addEventListener("click", function (event) {
    if (!event.target.classList.contains("remove-line")) { return; }
    var rows = body.querySelectorAll("tr.line");
    var row = event.target.closest("tr");
    if (rows.length <= 2) {  // an entry keeps two lines: empty this one instead of doing nothing
      row.querySelectorAll("input").forEach(function (input) { input.value = ""; say(input, ""); });
      recount();
      return;
    }
    var next = row.nextElementSibling;
    if (next && next.classList.contains("line-error")) { next.remove(); }
    row.remove();
    renumber();
    recount();
  });

  // Refuse to send a field the server would refuse, or an unbalanced entry; the server refuses them too,
  // with its messages in the same places.
  form.addEventListener("submit", function (event) {
    body.querySelectorAll("input.pick-account, input.pick-fund").forEach(checkPick);
    recount();
    var said = document.getElementById("lines-error");
    var wrong = Array.prototype.filter.call(body.querySelectorAll("input"), function (i) { return i.dataset.problem; });
    if (wrong.length) {
      event.preventDefault();
      said.textContent = form.dataset.msgFix;
      wrong[0].focus();
    } else if (document.getElementById("difference").classList.contains("unbalanced")) {
      event.preventDefault();
      said.textContent = document.getElementById("difference").dataset.refuse;
    }
  });

  body.addEventListener("input", function (event) {
    event.target.dataset.touched = "1";
    if (event.target.matches("input.amount, input.pick-fund")) { recount(); }  // a fund moves the per-fund sums
    if (event.target.matches("input.pick-account, input.pick-fund")) {
      var picked = event.target.parentNode.querySelector(".picked");
      if (picked) { picked.textContent = ""; }  // said again once the field is left
    }
  });
  // Account and fund are judged once the field is left (a datalist pick fires "change" too).
  body.addEventListener("change", function (event) {
    event.target.dataset.touched = "1";
    if (event.target.matches("input.pick-account, input.pick-fund")) { checkPick(event.target); }
  });
  recount();
})();
