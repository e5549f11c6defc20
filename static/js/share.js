/* The campaign page's "Copy link" button: copies the page's address to the
   clipboard. Progressive: without this script the button stays hidden and the
   read-only address field beside it still lets people copy by hand. No inline
   script, no third party (the Content-Security-Policy allows 'self' only). */
(function () {
  "use strict";

  function fallbackCopy(text) {
    var field = document.createElement("textarea");
    field.value = text;
    field.setAttribute("readonly", "");
    field.style.position = "fixed";
    field.style.insetBlockStart = "-1000px";
    document.body.appendChild(field);
    field.select();
    var ok = false;
    try {
      ok = document.execCommand("copy");
    } catch (e) {
      ok = false;
    }
    document.body.removeChild(field);
    return ok ? Promise.resolve() : Promise.reject(new Error("copy refused"));
  }

  function copy(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text).catch(function () {
        return fallbackCopy(text);
      });
    }
    return fallbackCopy(text);
  }

  function init() {
    var buttons = document.querySelectorAll("[data-copy-link]");
    for (var i = 0; i < buttons.length; i++) {
      (function (button) {
        var status = button.parentNode.querySelector("[data-copy-status]");
        var copied = button.getAttribute("data-copied-text") || "Link copied.";
        var failed = button.getAttribute("data-failed-text") || "Copy the link from the field below.";
        button.hidden = false;
        button.addEventListener("click", function () {
          copy(button.getAttribute("data-copy-link")).then(
            function () {
              if (status) status.textContent = copied;
              button.setAttribute("data-copied", "true");
            },
            function () {
              if (status) status.textContent = failed;
            }
          );
        });
      })(buttons[i]);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
