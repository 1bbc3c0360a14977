// "Tick all" for a list of checkboxes: a box (in a label.check-all, hidden until this script
// runs, so a page without JavaScript shows nothing that does nothing) ticks or unticks every
// box named by its data-check-all, and shows "some" (indeterminate) when only some are ticked.
(function () {
  "use strict";

  function wire(master) {
    var form = master.form;
    var name = master.getAttribute("data-check-all");
    if (!form || !name) {
      return;
    }
    function boxes() {
      return Array.prototype.filter.call(form.elements, function (el) {
        return el.type === "checkbox" && el.name === name;
      });
    }
    function reflect() {
      var all = boxes();
      var ticked = all.filter(function (el) { return el.checked; }).length;
      master.checked = all.length > 0 && ticked === all.length;
      master.indeterminate = ticked > 0 && ticked < all.length;
    }
    master.addEventListener("change", function () {
      boxes().forEach(function (el) { el.checked = master.checked; });
      master.indeterminate = false;
    });
    form.addEventListener("change", function (event) {
      if (event.target !== master && event.target.name === name) {
        reflect();
      }
    });
    (master.closest(".check-all") || master).hidden = false;
    reflect();
  }

  function start() {
    document.querySelectorAll("input[data-check-all]").forEach(wire);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
