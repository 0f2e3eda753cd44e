// Draws each dashboard panel's chart from the figures the page carries (the #dashboard-charts JSON data block);
// the same figures are in the page as tables behind "Show the figures", so nothing depends on this script.
(function () {
  const palette = ["#1f5f8b", "#c8553d", "#2e8b57", "#8a6d3b", "#6a4c93", "#4d4d4d", "#d4a017"];

  function drawChart(canvas, chart) {
    const stacked = Boolean(chart.stacked);
    new window.Chart(canvas, {
      type: chart.kind,
      data: {
        labels: chart.labels,
        datasets: chart.datasets.map((dataset, index) => ({
          ...dataset,
          backgroundColor: palette[index % palette.length],
          borderColor: palette[index % palette.length],
        })),
      },
      options: {
        // The page's language, not the browser's: a member who chose Spanish reads 1.234,5 on the axes too.
        locale: document.documentElement.lang || undefined,
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        plugins: { legend: { labels: { boxWidth: 12, font: { size: 12 } } } },
        scales: { x: { stacked, ticks: { font: { size: 12 } } }, y: { stacked, beginAtZero: true } },
      },
    });
  }

  document.addEventListener("DOMContentLoaded", () => {
    const source = document.getElementById("dashboard-charts");
    if (!source || !window.Chart) return;
    const charts = JSON.parse(source.textContent);
    document.querySelectorAll("[data-chart]").forEach((box) => {
      const chart = charts[box.dataset.chart];
      if (!chart) return;
      box.hidden = false;
      drawChart(box.querySelector("canvas"), chart);
      box.closest(".panel").dataset.loaded = "true";
    });
  });
})();
