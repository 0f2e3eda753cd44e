// Draws each dashboard panel from its JSON endpoint: a Chart.js chart and, beside it, the same figures as a table.
(function () {
  const palette = ["#1f5f8b", "#c8553d", "#2e8b57", "#8a6d3b", "#6a4c93", "#4d4d4d", "#d4a017"];

  function cellText(value) {
    if (value === null || value === undefined) return "–";
    return String(value);
  }

  function buildTable(data) {
    const table = document.createElement("table");
    table.className = "table";
    const caption = table.createCaption();
    caption.textContent = data.title;
    const head = table.createTHead().insertRow();
    data.columns.forEach((column) => {
      const th = document.createElement("th");
      th.scope = "col";
      th.textContent = column;
      head.appendChild(th);
    });
    const body = table.createTBody();
    data.rows.forEach((row) => {
      const tr = body.insertRow();
      row.forEach((value, index) => {
        const cell = document.createElement(index === 0 ? "th" : "td");
        if (index === 0) cell.scope = "row";
        cell.textContent = cellText(value);
        tr.appendChild(cell);
      });
    });
    return table;
  }

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
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        scales: { x: { stacked }, y: { stacked, beginAtZero: true } },
      },
    });
  }

  async function loadPanel(section) {
    const status = section.querySelector(".panel-status");
    try {
      const response = await fetch(section.dataset.panelUrl, { headers: { Accept: "application/json" } });
      if (!response.ok) throw new Error(response.status);
      const data = await response.json();
      const tableBox = section.querySelector(".table-box");
      if (!data.rows.length) {
        status.textContent = "No figures for these filters.";
        section.querySelector(".chart-box").hidden = true;
        return;
      }
      tableBox.appendChild(buildTable(data));
      (data.notes || []).forEach((note) => {
        const p = document.createElement("p");
        p.className = "help";
        p.textContent = note;
        tableBox.appendChild(p);
      });
      if (data.chart && window.Chart) {
        drawChart(section.querySelector("canvas"), data.chart);
      } else {
        section.querySelector(".chart-box").hidden = true;
      }
      status.textContent = "";
      status.hidden = true;
      section.dataset.loaded = "true";
    } catch (error) {
      status.textContent = "These figures could not be loaded. Reload the page to try again.";
    }
  }

  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll("[data-panel-url]").forEach(loadPanel);
  });
})();
