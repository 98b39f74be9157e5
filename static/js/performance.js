// Model performance, model details and compare pages: sortable tables (header buttons), the
// class filter, the confusion matrix's counts / row-normalised switch, and the Chart.js charts.
// Every number is already in the server-rendered tables; the charts draw the same numbers.

function cellValue(row, index, type) {
  const cell = row.children[index];
  const raw = cell?.dataset.value ?? cell?.textContent.trim() ?? "";
  return type === "number" ? Number.parseFloat(raw) || 0 : raw.toLowerCase();
}

function sortTable(table, header, button) {
  const index = [...header.parentElement.children].indexOf(header);
  const ascending = header.getAttribute("aria-sort") !== "ascending";
  for (const th of table.tHead.rows[0].cells) th.removeAttribute("aria-sort");
  header.setAttribute("aria-sort", ascending ? "ascending" : "descending");
  const type = button.dataset.type;
  const body = table.tBodies[0];
  const rows = [...body.rows].filter((row) => row.children.length > 1);
  rows.sort((a, b) => {
    const x = cellValue(a, index, type);
    const y = cellValue(b, index, type);
    const order = x < y ? -1 : x > y ? 1 : 0;
    return ascending ? order : -order;
  });
  body.append(...rows);
}

for (const table of document.querySelectorAll("table.sortable")) {
  for (const button of table.querySelectorAll("thead button.sort")) {
    const header = button.closest("th");
    button.addEventListener("click", () => sortTable(table, header, button));
  }
}

for (const input of document.querySelectorAll("input[data-filters]")) {
  const table = document.getElementById(input.dataset.filters);
  input.addEventListener("input", () => {
    const wanted = input.value.trim().toLowerCase();
    for (const row of table.tBodies[0].rows) {
      row.hidden = wanted !== "" && !(row.dataset.class || "").toLowerCase().includes(wanted);
    }
  });
}

const heatmap = document.getElementById("heatmap");
// Each cell's shade levels come as data attributes: the CSP refuses inline style attributes.
for (const cell of heatmap?.querySelectorAll("td.cell") ?? []) {
  cell.style.setProperty("--c", cell.dataset.c);
  cell.style.setProperty("--s", cell.dataset.s);
}
const normalise = document.getElementById("heatmap-normalise");
if (heatmap && normalise) {
  const apply = () => heatmap.classList.toggle("normalised", normalise.checked);
  normalise.addEventListener("change", apply);
  apply();
}

function colour(name) {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
}

function shortLabel(value) {
  const label = this.getLabelForValue(value);
  const room = Math.max(6, Math.floor(this.width / this.ticks.length / 7));
  return label.length > room ? `${label.slice(0, room - 1)}…` : label;
}

const dataNode = document.getElementById("performance-data");
// Module scripts run after deferred classic scripts, so window.Chart is there.
if (dataNode && window.Chart) {
  const data = JSON.parse(dataNode.textContent);
  const Chart = window.Chart;
  Chart.defaults.color = colour("--text");
  Chart.defaults.borderColor = colour("--border");
  Chart.defaults.font.family = colour("--font");
  // One bar per class and series; series are [label, values, CSS colour variable].
  const barChart = (canvas, classes, series, axis) =>
    new Chart(canvas, {
      type: "bar",
      data: {
        labels: classes,
        datasets: series.map(([label, values, variable]) => ({ label, data: values, backgroundColor: colour(variable), borderRadius: 3 })),
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        // Long class names are cut on the axis; the tooltip shows the whole name.
        scales: { x: { ticks: { autoSkip: false, maxRotation: 0, callback: shortLabel } }, y: { beginAtZero: true, max: 1, title: { display: true, text: axis } } },
        plugins: { legend: { position: "bottom" } },
      },
    });
  const bars = document.getElementById("f1-chart");
  if (bars && data.classes.length) {
    barChart(bars, data.classes, [
      ["F1", data.f1, "--accent"],
      ["Precision", data.precision, "--ok"],
      ["Recall", data.recall, "--warn"],
    ], "Score");
  }
  const pair = document.getElementById("compare-chart");
  if (pair && data.compare) {
    const compared = data.compare;
    barChart(pair, compared.classes, [
      [compared.names[0], compared.a, "--muted"],
      [compared.names[1], compared.b, "--accent"],
    ], "F1");
  }
  const line = document.getElementById("curve-chart");
  if (line && data.curve) {
    const curve = data.curve;
    new Chart(line, {
      type: "line",
      data: {
        labels: curve.epochs,
        datasets: [
          { label: "Training loss", data: curve.loss, borderColor: colour("--danger"), backgroundColor: colour("--danger"), yAxisID: "loss", spanGaps: true },
          { label: "Validation score", data: curve.validation_score, borderColor: colour("--accent"), backgroundColor: colour("--accent"), yAxisID: "score", spanGaps: true },
        ],
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        scales: {
          x: { title: { display: true, text: "Epoch" } },
          loss: { position: "left", beginAtZero: true, title: { display: true, text: "Loss" } },
          score: { position: "right", min: 0, max: 1, grid: { drawOnChartArea: false }, title: { display: true, text: "Validation score" } },
        },
        plugins: { legend: { position: "bottom" } },
      },
    });
  }
}
