// The error summary ("There is a problem", includes/_error_summary.html): when a form is sent
// back, the focus moves to the summary, so the page shows it and a screen reader reads it
// first, wherever the Save button was. Each link in it moves the focus to its field (inside a
// closed <details> too) and scrolls its label or question into view, not only the box.
// Without a summary, an error message at the top of the page is focused instead.
(function () {
  "use strict";

  function labelOf(field) {
    var legend = field.closest("fieldset") && field.closest("fieldset").querySelector("legend");
    if ((field.type === "radio" || field.type === "checkbox") && legend) {
      return legend;
    }
    var labels = field.labels;
    return labels && labels.length ? labels[0] : field;
  }

  var summary = document.querySelector("[data-error-summary]");
  if (!summary) {
    // A small action refused (a move, a document, a step) comes back as an error message at
    // the top of the page it returns to: that message takes the focus the same way.
    summary = document.querySelector(".messages .message-error");
    if (!summary) {
      return;
    }
    summary.setAttribute("tabindex", "-1");
  }
  summary.focus();
  summary.addEventListener("click", function (event) {
    var link = event.target.closest("a[href^='#']");
    if (!link) {
      return;
    }
    var field = document.getElementById(decodeURIComponent(link.hash.slice(1)));
    if (!field) {
      return;
    }
    event.preventDefault();
    var details = field.closest("details");
    if (details) {
      details.open = true;
    }
    labelOf(field).scrollIntoView();
    field.focus({ preventScroll: true });
  });
})();
