// The large-text, high-contrast mode on a static copy of the site (the live site does this without script):
// ?large=1 or ?large=0 on any page sets a cookie for a year, and the cookie marks every page.
(function () {
  "use strict";
  var asked = /[?&]large=([01])(&|$)/.exec(window.location.search);
  if (asked) {
    document.cookie = "large=" + asked[1] + "; path=/; max-age=31536000; SameSite=Lax";
  }
  var on = /(^|;\s*)large=1(;|$)/.test(document.cookie);
  document.documentElement.classList.toggle("large", on);
})();
