// Lists on a phone: fold the journal's filters away unless one is in use, so the entries come first.
// Without this script the filters simply stay open.
(function () {
  "use strict";
  var box = document.querySelector("details.filter-box");
  if (box && box.dataset.active !== "yes" && window.matchMedia("(max-width: 40rem)").matches) {
    box.open = false;
  }
})();
