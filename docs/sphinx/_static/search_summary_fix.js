/* Sphinx 9.1's search builds a summary for each result with Search.makeSearchSummary() and appends it
   unchecked; it returns null for a result whose anchor is an empty element, and antsibull-docs gives
   every option and return value such an anchor. The null then throws in the middle of the results.
   This wraps the function so that it always returns a node. */
(function () {
  function patch() {
    if (typeof Search === "undefined" || !Search.makeSearchSummary || Search.makeSearchSummary.patched) {
      return;
    }
    var original = Search.makeSearchSummary;
    Search.makeSearchSummary = function () {
      return original.apply(this, arguments) || document.createElement("span");
    };
    Search.makeSearchSummary.patched = true;
  }
  patch();
  document.addEventListener("DOMContentLoaded", patch);
})();
