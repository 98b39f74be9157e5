// The data distribution chart: one stacked bar per class, split by train / test / automatic.
// The numbers are also in the table, so the page reads the same without JavaScript.
const data = JSON.parse(document.getElementById("distribution-data").textContent);
const canvas = document.getElementById("distribution-chart");

for (const item of document.querySelectorAll("[data-colour]")) item.style.setProperty("--swatch", item.dataset.colour);

function colour(name) {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
}

function shortLabel(value) {
  const label = this.getLabelForValue(value);
  const room = Math.max(6, Math.floor(this.width / this.ticks.length / 7));
  return label.length > room ? `${label.slice(0, room - 1)}…` : label;
}

// Module scripts run after deferred classic scripts, so window.Chart is there.
if (canvas && window.Chart) {
  const labels = [...data.classes.map((row) => row.name), "Untagged"];
  const rows = [...data.classes, data.untagged];
  const series = [
    ["Train", "train", "--accent"],
    ["Test", "test", "--warn"],
    ["Automatic", "auto", "--muted"],
  ];
  window.Chart.defaults.color = colour("--text");
  window.Chart.defaults.borderColor = colour("--border");
  window.Chart.defaults.font.family = colour("--font");
  new window.Chart(canvas, {
    type: "bar",
    data: {
      labels,
      datasets: series.map(([label, key, variable]) => ({
        label,
        data: rows.map((row) => row[key]),
        backgroundColor: colour(variable),
        borderRadius: 3,
      })),
    },
    options: {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      // Long class names are cut on the axis; the tooltip shows the whole name.
      scales: { x: { stacked: true, ticks: { autoSkip: false, maxRotation: 0, callback: shortLabel } }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 }, title: { display: true, text: "Documents" } } },
      plugins: { legend: { position: "bottom" } },
    },
  });
}
