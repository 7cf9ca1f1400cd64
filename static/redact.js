/* The redaction editor: draw boxes over a voucher's pages with a mouse, a pen or a finger,
   remove them, and save them as fractions of each page. No inline code: the page gives its
   settings in data- attributes and the CSRF token in a hidden input (or a csrf-token meta tag). */
(function () {
  "use strict";

  var root = document.getElementById("redactor");
  if (!root) { return; }

  var MIN = 0.004; // a tap, not a box
  var boxes = [];
  try { boxes = JSON.parse(root.getAttribute("data-boxes") || "[]"); } catch (e) { boxes = []; }
  var saveUrl = root.getAttribute("data-save-url");
  var meta = document.querySelector('meta[name="csrf-token"]');
  var hidden = root.querySelector('input[name="csrf_token"]');
  var token = meta ? meta.getAttribute("content") : (hidden ? hidden.value : "");
  var status = document.getElementById("redact-status");
  var drawToggle = document.getElementById("redact-draw");
  var surfaces = Array.prototype.slice.call(root.querySelectorAll(".redact-surface"));
  var dirty = false;

  function msg(name) { return root.getAttribute("data-msg-" + name) || ""; }
  function say(text, isError) {
    if (!status) { return; }
    status.textContent = text;
    status.className = isError ? "error" : "";
  }
  function clamp(v) { return Math.min(1, Math.max(0, v)); }
  function round(v) { return Math.round(v * 1e6) / 1e6; }
  function changed() { dirty = true; say(msg("unsaved"), false); render(); }

  function place(el, box) {
    el.style.left = (box.x * 100) + "%";
    el.style.top = (box.y * 100) + "%";
    el.style.width = (box.w * 100) + "%";
    el.style.height = (box.h * 100) + "%";
  }

  function removeBox(index) {
    boxes.splice(index, 1);
    changed();
  }

  function render() {
    surfaces.forEach(function (surface) {
      var page = parseInt(surface.getAttribute("data-page"), 10);
      Array.prototype.slice.call(surface.querySelectorAll(".redact-box")).forEach(function (el) { el.remove(); });
      boxes.forEach(function (box, index) {
        if (box.page !== page) { return; }
        var el = document.createElement("div");
        el.className = "redact-box";
        el.tabIndex = 0;
        place(el, box);
        el.addEventListener("keydown", function (ev) {
          if (ev.key === "Delete" || ev.key === "Backspace") { ev.preventDefault(); removeBox(index); }
        });
        var btn = document.createElement("button");
        btn.type = "button";
        btn.className = "redact-remove";
        btn.textContent = "×";
        btn.title = msg("remove");
        btn.setAttribute("aria-label", msg("remove"));
        btn.addEventListener("pointerdown", function (ev) { ev.stopPropagation(); });
        btn.addEventListener("click", function (ev) { ev.stopPropagation(); removeBox(index); });
        el.appendChild(btn);
        surface.appendChild(el);
      });
    });
  }

  function point(surface, ev) {
    var r = surface.getBoundingClientRect();
    return { x: clamp((ev.clientX - r.left) / r.width), y: clamp((ev.clientY - r.top) / r.height) };
  }

  surfaces.forEach(function (surface) {
    var page = parseInt(surface.getAttribute("data-page"), 10);
    var start = null;
    var ghost = null;
    var pointerId = null;

    function current(ev) {
      var p = point(surface, ev);
      return {
        page: page,
        x: Math.min(start.x, p.x), y: Math.min(start.y, p.y),
        w: Math.abs(p.x - start.x), h: Math.abs(p.y - start.y)
      };
    }

    surface.addEventListener("pointerdown", function (ev) {
      if (!root.classList.contains("drawing-on") || ev.button > 0 || start) { return; }
      ev.preventDefault();
      pointerId = ev.pointerId;
      if (surface.setPointerCapture) { surface.setPointerCapture(pointerId); }
      start = point(surface, ev);
      ghost = document.createElement("div");
      ghost.className = "redact-box drawing";
      place(ghost, { x: start.x, y: start.y, w: 0, h: 0 });
      surface.appendChild(ghost);
    });
    surface.addEventListener("pointermove", function (ev) {
      if (!start || ev.pointerId !== pointerId) { return; }
      ev.preventDefault();
      place(ghost, current(ev));
    });
    function finish(ev, keep) {
      if (!start || ev.pointerId !== pointerId) { return; }
      var box = current(ev);
      ghost.remove();
      ghost = null;
      start = null;
      if (keep && box.w >= MIN && box.h >= MIN) {
        boxes.push({ page: page, x: round(box.x), y: round(box.y), w: round(box.w), h: round(box.h) });
        changed();
      }
    }
    surface.addEventListener("pointerup", function (ev) { finish(ev, true); });
    surface.addEventListener("pointercancel", function (ev) { finish(ev, false); });
  });

  if (drawToggle) {
    drawToggle.addEventListener("change", function () {
      root.classList.toggle("drawing-on", drawToggle.checked);
    });
  }

  var undo = document.getElementById("redact-undo");
  if (undo) { undo.addEventListener("click", function () { if (boxes.length) { boxes.pop(); changed(); } }); }
  var clear = document.getElementById("redact-clear");
  if (clear) { clear.addEventListener("click", function () { if (boxes.length) { boxes = []; changed(); } }); }

  var save = document.getElementById("redact-save");
  if (save) {
    save.addEventListener("click", function () {
      save.disabled = true;
      say(msg("saving"), false);
      fetch(saveUrl, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": token },
        body: JSON.stringify({ redactions: boxes })
      }).then(function (response) {
        return response.json().catch(function () { return { message: response.statusText }; })
          .then(function (body) { return { ok: response.ok, body: body }; });
      }).then(function (result) {
        if (!result.ok) {
          say(msg("failed") + " " + (result.body.message || ""), true);
          return;
        }
        dirty = false;
        boxes = result.body.redactions || boxes;
        render();
        say(msg("saved") || result.body.message, false);
        (result.body.pages || []).forEach(function (url, i) {
          var link = root.querySelector('.redact-public[data-page="' + (i + 1) + '"]');
          if (link) { link.href = url; }
        });
      }).catch(function (err) {
        say(msg("failed") + " " + err, true);
      }).then(function () { save.disabled = false; });
    });
  }

  window.addEventListener("beforeunload", function (ev) {
    if (dirty) { ev.preventDefault(); ev.returnValue = ""; }
  });

  render();
}());
