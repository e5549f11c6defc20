/* The account menu is a <details> element: it opens and closes with Enter or
   Space on its summary and works without this script. This adds what a menu
   is expected to do: Escape closes it and puts the focus back on its button,
   and a click or focus elsewhere on the page closes it. */
(function () {
  "use strict";

  function init() {
    var menus = document.querySelectorAll("[data-account-menu]");
    for (var i = 0; i < menus.length; i++) {
      (function (menu) {
        var summary = menu.querySelector("summary");
        menu.addEventListener("keydown", function (event) {
          if (event.key === "Escape" && menu.open) {
            menu.open = false;
            summary.focus();
          }
        });
        document.addEventListener("click", function (event) {
          if (menu.open && !menu.contains(event.target)) menu.open = false;
        });
        document.addEventListener("focusin", function (event) {
          if (menu.open && !menu.contains(event.target)) menu.open = false;
        });
      })(menus[i]);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
