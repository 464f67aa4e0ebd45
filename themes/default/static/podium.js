// Podium's site script: sortable tables, math typesetting, chart resizing.
// Every page is complete without it.
(function () {
  "use strict";

  // Sort a table on a header click: numbers by data-sort value, text by
  // locale; missing values (empty data-sort) last in either direction.
  function cellKey(td) {
    if (!td) return "";
    return td.hasAttribute("data-sort") ? td.getAttribute("data-sort") : td.textContent.trim();
  }
  function sortTable(table, th) {
    var index = Array.prototype.indexOf.call(th.parentNode.children, th);
    var numeric = th.getAttribute("data-type") === "num";
    var dir = th.getAttribute("aria-sort") === "ascending" ? "descending" : "ascending";
    var ths = th.parentNode.children;
    for (var i = 0; i < ths.length; i++) ths[i].removeAttribute("aria-sort");
    th.setAttribute("aria-sort", dir);
    var tbody = table.tBodies[0];
    var rows = Array.prototype.slice.call(tbody.rows);
    var sign = dir === "ascending" ? 1 : -1;
    rows.sort(function (a, b) {
      var x = cellKey(a.cells[index]), y = cellKey(b.cells[index]);
      if (x === "" || y === "") return (x === "") - (y === "");
      if (numeric) return sign * (parseFloat(x) - parseFloat(y));
      return sign * x.localeCompare(y);
    });
    var frag = document.createDocumentFragment();
    rows.forEach(function (r) { frag.appendChild(r); });
    tbody.appendChild(frag);
  }
  function initTables() {
    var tables = document.querySelectorAll("table.sortable");
    Array.prototype.forEach.call(tables, function (table) {
      if (!table.tHead) return;
      Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th) {
        th.tabIndex = 0;
        th.classList.add("sort");
        th.addEventListener("click", function () { sortTable(table, th); });
        th.addEventListener("keydown", function (e) {
          if (e.key === "Enter" || e.key === " ") { e.preventDefault(); sortTable(table, th); }
        });
      });
    });
  }

  // Typeset every element the markdown renderer marked as math; the TeX
  // stays as text where scripts do not run.
  function initMath() {
    if (typeof renderMathInElement !== "function") return;
    var els = document.querySelectorAll(".math");
    Array.prototype.forEach.call(els, function (el) {
      renderMathInElement(el, {
        delimiters: [
          { left: "\\[", right: "\\]", display: true },
          { left: "\\(", right: "\\)", display: false }
        ],
        throwOnError: false
      });
    });
  }

  function initCharts() {
    if (typeof echarts === "undefined") return;
    window.addEventListener("resize", function () {
      var els = document.querySelectorAll(".chart [id]");
      Array.prototype.forEach.call(els, function (el) {
        var c = echarts.getInstanceByDom(el);
        if (c) c.resize();
      });
    });
  }

  function init() {
    initTables();
    initMath();
    initCharts();
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
