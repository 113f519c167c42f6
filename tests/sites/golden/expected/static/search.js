// The search page: Pagefind's default interface, opened on the query of ?q=
// (what the header's search box sends). Loaded by this page only.
(function () {
  "use strict";
  var mount = document.getElementById("search");
  if (!mount || typeof PagefindUI === "undefined") return;
  var ui = new PagefindUI({
    element: "#search",
    bundlePath: mount.getAttribute("data-bundle"),
    showImages: false,
    showSubResults: false,
    autofocus: true,
    // Authors and tags are metadata only to be searched (paper.html): not shown under results.
    processResult: function (result) {
      delete result.meta.authors;
      delete result.meta.tags;
      return result;
    },
    translations: { placeholder: "Search titles, authors, abstracts and tags" }
  });
  // Its box is named only by a title attribute; name it by the visible heading and hint.
  var box = mount.querySelector("input");
  if (box) box.setAttribute("aria-labelledby", "search-heading search-hint");
  var query = new URLSearchParams(window.location.search).get("q");
  if (query) ui.triggerSearch(query);
})();
