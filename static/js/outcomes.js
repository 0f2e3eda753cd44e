// Draws a red flag's outcomes chart from the JSON beside it; the table under it has the same figures.
(function () {
  const palette = ["#1f5f8b", "#c8553d", "#2e8b57", "#8a6d3b"];
  const data = document.getElementById("outcomes-chart-data");
  const canvas = document.querySelector(".outcomes-panel canvas");
  if (!data || !canvas || !window.Chart) return;
  const chart = JSON.parse(data.textContent);
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
    options: { responsive: true, maintainAspectRatio: false, animation: false, scales: { y: { beginAtZero: true } } },
  });
})();
