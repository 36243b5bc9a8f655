// Small behaviours of the desk's pages, bound here rather than in inline handlers so the
// Content-Security-Policy can forbid inline script (script-src 'self').
//   data-submit-on-change   a select that submits its form when changed
//   data-check-all="NAME"   a checkbox that ticks or clears every input[name=NAME]
//   data-print              a button that opens the print dialog
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    var el = event.target;
    if (!el.matches || !el.matches("[data-submit-on-change]") || !el.form) return;
    if (el.form.requestSubmit) el.form.requestSubmit();
    else el.form.submit();
  });
  document.addEventListener("click", function (event) {
    var el = event.target.closest ? event.target.closest("[data-check-all],[data-print]") : null;
    if (!el) return;
    if (el.hasAttribute("data-print")) {
      window.print();
      return;
    }
    var name = el.getAttribute("data-check-all");
    document.querySelectorAll('input[name="' + name + '"]').forEach(function (box) {
      box.checked = el.checked;
    });
  });
})();
