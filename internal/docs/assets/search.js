// fleet docs search: filters the list of search.html by the words of the
// query (from ?q= or typed), all of which must match. Without JavaScript
// the page shows the whole list.
(function () {
  "use strict";
  var list = document.getElementById("search-results");
  var input = document.getElementById("q");
  var status = document.getElementById("search-status");
  if (!list || !input || !status) {
    return;
  }
  var items = Array.prototype.slice.call(list.children);
  function run(query) {
    var words = query.trim().toLowerCase().split(/\s+/).filter(Boolean);
    var shown = 0;
    items.forEach(function (li) {
      var text = li.getAttribute("data-text") || "";
      var ok = words.every(function (w) { return text.indexOf(w) >= 0; });
      li.hidden = !ok;
      if (ok) {
        shown++;
      }
    });
    // Exact name matches first.
    var q = words.join(" ");
    items.filter(function (li) { return li.getAttribute("data-name") === q; }).forEach(function (li) {
      list.insertBefore(li, list.firstChild);
    });
    status.textContent = words.length === 0
      ? "All " + items.length + " entries. Type in the search box to narrow them."
      : shown + (shown === 1 ? " result" : " results") + " for \u201c" + query.trim() + "\u201d";
  }
  var params = new URLSearchParams(window.location.search);
  input.value = params.get("q") || "";
  input.addEventListener("input", function () { run(input.value); });
  run(input.value);
})();
