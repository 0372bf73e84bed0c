/**
 * The dashboard page: plain HTML, CSS and JavaScript in one response, no build step and nothing
 * loaded from anywhere else (operators' browsers may have no internet access). It listens to
 * `dashboard/events` (Server-Sent Events), derives presses per second from the presses counter of
 * successive snapshots, keeps the last ten minutes in memory and draws them as SVG.
 */
export const DASHBOARD_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>coupon drop: live</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
  :root { color-scheme: light; --ink: #1d2330; --muted: #6b7385; --line: #e3e6ee; --bg: #f6f7fb;
    --admitted: #3867d6; --issued: #20a464; --failed: #d64545; --pending: #e5a00d; --presses: #8854d0; }
  * { box-sizing: border-box; }
  body { margin: 0; font: 14px/1.4 system-ui, sans-serif; color: var(--ink); background: var(--bg); }
  header { display: flex; gap: 24px; align-items: baseline; padding: 14px 24px; background: #fff;
    border-bottom: 1px solid var(--line); }
  h1 { font-size: 18px; margin: 0; }
  .muted { color: var(--muted); }
  #status[data-state="live"]::before { content: "●"; color: var(--issued); margin-right: 6px; }
  #status[data-state="down"]::before { content: "●"; color: var(--failed); margin-right: 6px; }
  main { padding: 16px 24px; display: grid; gap: 16px; }
  section { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 12px 16px; }
  table { width: 100%; border-collapse: collapse; font-variant-numeric: tabular-nums; }
  th, td { padding: 6px 10px; text-align: right; border-bottom: 1px solid var(--line); white-space: nowrap; }
  th:first-child, td:first-child { text-align: left; }
  th { font-weight: 600; color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .04em; }
  tbody tr { cursor: pointer; }
  tbody tr[aria-selected="true"] { background: #eef2fd; }
  .legend { display: flex; gap: 16px; font-size: 12px; margin-bottom: 6px; }
  .legend span::before { content: ""; display: inline-block; width: 10px; height: 3px; margin-right: 5px;
    vertical-align: middle; background: var(--c); }
  svg { width: 100%; height: 220px; display: block; }
  svg text { font-size: 11px; fill: var(--muted); }
  #lag-partitions { font-variant-numeric: tabular-nums; }
</style>
</head>
<body>
<header>
  <h1>coupon drop: live</h1>
  <span id="status" data-state="connecting">connecting…</span>
  <span class="muted">updated <span id="updated">never</span></span>
  <span>consumer lag <strong id="lag-total">–</strong> records <span class="muted" id="lag-partitions"></span></span>
</header>
<main>
  <section>
    <table>
      <thead><tr><th>coupon</th><th>total</th><th>admitted</th><th>issued</th><th>failed</th>
        <th>remaining</th><th>presses/s</th><th>lag (in flight, oldest)</th><th>dead letters</th></tr></thead>
      <tbody id="coupons"><tr><td colspan="9" class="muted">waiting for the first snapshot…</td></tr></tbody>
    </table>
  </section>
  <section>
    <div><strong id="chart-title">–</strong> <span class="muted">last 10 minutes</span></div>
    <div class="legend"><span style="--c: var(--admitted)">admitted</span><span style="--c: var(--issued)">issued</span>
      <span style="--c: var(--failed)">failed</span><span style="--c: var(--pending)">in flight</span></div>
    <svg id="counts" viewBox="0 0 1000 220" preserveAspectRatio="none" role="img" aria-label="admitted, issued, failed and in flight over time"></svg>
    <div class="legend"><span style="--c: var(--presses)">presses/s</span></div>
    <svg id="rate" viewBox="0 0 1000 220" preserveAspectRatio="none" role="img" aria-label="presses per second over time"></svg>
  </section>
</main>
<script>
"use strict";
const KEEP_MS = 10 * 60 * 1000;
const history = new Map();
let selected = null;
const fmt = new Intl.NumberFormat("en");
const $ = (id) => document.getElementById(id);

function cell(row, field, text) {
  let td = row.querySelector('[data-field="' + field + '"]');
  if (!td) { td = document.createElement("td"); td.dataset.field = field; row.append(td); }
  td.textContent = text;
}

function render(snapshot) {
  $("updated").textContent = new Date(snapshot.at).toLocaleTimeString();
  if (snapshot.lag) {
    $("lag-total").textContent = fmt.format(snapshot.lag.total);
    $("lag-partitions").textContent = "(" + snapshot.lag.partitions
      .map((p) => "p" + p.partition + " " + fmt.format(p.records)).join(", ") + ")";
  } else if (!snapshot.kafka) {
    $("lag-total").textContent = "–";
    $("lag-partitions").textContent = "(no Kafka here: each coupon's in-flight column is its stream's backlog)";
  } else {
    $("lag-total").textContent = "?";
    $("lag-partitions").textContent = "(Kafka did not answer)";
  }
  const body = $("coupons");
  if (snapshot.coupons.length === 0) {
    body.innerHTML = '<tr><td colspan="9" class="muted">no coupons yet</td></tr>';
    return;
  }
  if (!body.querySelector("tr[data-coupon]")) body.textContent = "";
  const seen = new Set();
  for (const c of snapshot.coupons) {
    seen.add(c.id);
    const points = history.get(c.id) ?? [];
    const previous = points.at(-1);
    const rate = previous && c.presses !== null && previous.presses !== null && snapshot.at > previous.at
      ? Math.max(0, (c.presses - previous.presses) / ((snapshot.at - previous.at) / 1000)) : 0;
    points.push({ at: snapshot.at, presses: c.presses, rate, admitted: c.admitted, issued: c.issued,
      failed: c.failed, pending: c.pending });
    while (points.length > 0 && points[0].at < snapshot.at - KEEP_MS) points.shift();
    history.set(c.id, points);
    let row = body.querySelector('tr[data-coupon="' + c.id + '"]');
    if (!row) {
      row = document.createElement("tr");
      row.dataset.coupon = c.id;
      row.addEventListener("click", () => { selected = c.id; draw(); });
      body.append(row);
    }
    cell(row, "name", "#" + c.id + " " + c.name);
    cell(row, "total", fmt.format(c.total));
    cell(row, "admitted", fmt.format(c.admitted));
    cell(row, "issued", fmt.format(c.issued));
    cell(row, "failed", fmt.format(c.failed));
    cell(row, "remaining", fmt.format(c.remaining));
    cell(row, "presses-per-second", c.presses === null ? "–" : fmt.format(Math.round(rate)));
    cell(row, "lag", fmt.format(c.pending) + (c.pending > 0 ? ", " + (c.oldestPendingMs / 1000).toFixed(1) + " s" : ""));
    cell(row, "dead-letters", fmt.format(c.deadLetters));
  }
  for (const row of body.querySelectorAll("tr[data-coupon]"))
    if (!seen.has(row.dataset.coupon)) row.remove();
  if (!selected || !seen.has(selected)) selected = snapshot.coupons[0].id;
  draw();
}

function line(points, pick, scale, color, t0, span) {
  if (points.length === 0) return "";
  const xy = points.map((p) => ((p.at - t0) / span * 960 + 30).toFixed(1) + "," +
    (200 - pick(p) / scale * 180).toFixed(1));
  return '<polyline fill="none" stroke-width="2" vector-effect="non-scaling-stroke" stroke="' + color +
    '" points="' + xy.join(" ") + '"/>';
}

function chart(svg, points, series) {
  const t1 = points.at(-1).at;
  const t0 = Math.max(points[0].at, t1 - KEEP_MS);
  const span = Math.max(t1 - t0, 1000);
  const top = Math.max(1, ...points.flatMap((p) => series.map(([pick]) => pick(p))));
  svg.innerHTML = '<line x1="30" y1="200" x2="990" y2="200" stroke="#e3e6ee"/>' +
    '<text x="0" y="24">' + fmt.format(Math.round(top)) + '</text><text x="0" y="200">0</text>' +
    series.map(([pick, color]) => line(points, pick, top, color, t0, span)).join("");
}

function draw() {
  const points = history.get(selected) ?? [];
  for (const row of document.querySelectorAll("tr[data-coupon]"))
    row.setAttribute("aria-selected", String(row.dataset.coupon === selected));
  $("chart-title").textContent = selected ? "coupon #" + selected : "–";
  if (points.length === 0) return;
  const css = getComputedStyle(document.documentElement);
  const color = (name) => css.getPropertyValue("--" + name).trim();
  chart($("counts"), points, [[(p) => p.admitted, color("admitted")], [(p) => p.issued, color("issued")],
    [(p) => p.failed, color("failed")], [(p) => p.pending, color("pending")]]);
  chart($("rate"), points, [[(p) => p.rate, color("presses")]]);
}

const events = new EventSource("dashboard/events" + location.search);
events.addEventListener("snapshot", (event) => {
  $("status").dataset.state = "live";
  $("status").textContent = "live";
  render(JSON.parse(event.data));
});
events.addEventListener("unavailable", (event) => {
  $("status").dataset.state = "down";
  $("status").textContent = "a data source is away: " + JSON.parse(event.data);
});
events.onerror = () => {
  $("status").dataset.state = "down";
  $("status").textContent = "reconnecting…";
};
</script>
</body>
</html>
`;
