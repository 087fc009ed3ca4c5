// Sorting and filtering of the public pages' tables (dashboards/components.py builds them).
// One listener per event on the document, so tables drawn later by Dash work too.
// A column header's button sorts the body rows by that column, ascending then descending;
// the header says so with aria-sort. A cell's data-value (the exact figure) sorts before
// its text, so "€3,900,000,000.00" sorts as a number. The totals row (tfoot) stays put.
(function () {
  "use strict";

  function key(cell) {
    if (!cell) return "";
    var raw = cell.hasAttribute("data-value") ? cell.getAttribute("data-value") : cell.textContent.trim();
    var number = Number(raw);
    return raw !== "" && !isNaN(number) ? number : raw.toLowerCase();
  }

  function compare(a, b) {
    if (typeof a === "number" && typeof b === "number") return a - b;
    return String(a).localeCompare(String(b));
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("table.sortable thead button.sort");
    if (!button) return;
    var header = button.closest("th");
    var table = button.closest("table");
    var body = table.tBodies[0];
    var column = Array.prototype.indexOf.call(header.parentNode.children, header);
    var ascending = header.getAttribute("aria-sort") !== "ascending";
    Array.prototype.forEach.call(header.parentNode.children, function (th) { th.removeAttribute("aria-sort"); });
    header.setAttribute("aria-sort", ascending ? "ascending" : "descending");
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (r1, r2) {
      var order = compare(key(r1.cells[column]), key(r2.cells[column]));
      return ascending ? order : -order;
    });
    rows.forEach(function (row) { body.appendChild(row); });
  });

  document.addEventListener("input", function (event) {
    var input = event.target;
    // The filter of table T is the input T-filter (dashboards/components.py: table_box);
    // Dash's input keeps its class for its wrapper, so the id says which input filters.
    if (input.tagName !== "INPUT" || !/-filter$/.test(input.id || "")) return;
    var table = document.getElementById(input.id.replace(/-filter$/, ""));
    if (!table || table.tagName !== "TABLE" || !table.tBodies.length) return;
    var words = input.value.trim().toLowerCase().split(/\s+/).filter(Boolean);
    var rows = table.tBodies[0].rows;
    var shown = 0;
    Array.prototype.forEach.call(rows, function (row) {
      var text = row.textContent.toLowerCase();
      var match = words.every(function (word) { return text.indexOf(word) !== -1; });
      row.hidden = !match;
      if (match) shown += 1;
    });
    var count = document.getElementById(input.id + "-count");
    if (count) count.textContent = shown === rows.length ? rows.length + " rows" : shown + " of " + rows.length + " rows";
  });
})();
