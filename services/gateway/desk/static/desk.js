// The desk's only script of its own: glue for htmx, ECharts and printing. Every rule, state
// and role check is the server's; this file only draws what the page already holds.
(function () {
  "use strict";
  function charts(root) {
    if (!window.echarts) return;
    root.querySelectorAll("[data-chart]").forEach(function (el) {
      if (el.dataset.drawn) return;
      var data = document.getElementById(el.dataset.chart);
      if (!data) return;
      var chart = window.echarts.init(el, null, { locale: el.dataset.locale || "ZH", renderer: "canvas" });
      chart.setOption(JSON.parse(data.textContent));
      el.dataset.drawn = "1";
      window.addEventListener("resize", function () { chart.resize(); });
    });
  }
  document.addEventListener("click", function (e) {
    if (e.target.closest("[data-print]")) { e.preventDefault(); window.print(); }
  });
  document.addEventListener("DOMContentLoaded", function () {
    charts(document);
    if (window.htmx) window.htmx.onLoad(charts);
    document.body.dataset.ready = "1";
  });
})();
