/** A point of a series: x (connections or offered rate) and y. */
export type Point = [number, number];

export interface ChartPanel {
  title: string;
  xLabel: string;
  yLabel: string;
  series: Array<{ name: string; color: string; points: Point[] }>;
}

const W = 460;
const H = 300;
const M = { left: 64, right: 16, top: 36, bottom: 48 };

function niceMax(value: number): number {
  if (!(value > 0)) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(value));
  const step = [1, 2, 2.5, 5, 10].find((s) => s * magnitude >= value) ?? 10;
  return step * magnitude;
}

const escapeXml = (text: string) =>
  text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

function panel(p: ChartPanel, offsetX: number): string {
  const all = p.series.flatMap((s) => s.points);
  const xMax = niceMax(Math.max(...all.map(([x]) => x)));
  const yMax = niceMax(Math.max(...all.map(([, y]) => y)));
  const plotW = W - M.left - M.right;
  const plotH = H - M.top - M.bottom;
  const sx = (x: number) => offsetX + M.left + (x / xMax) * plotW;
  const sy = (y: number) => M.top + plotH - (y / yMax) * plotH;
  const ticks = [0, 0.25, 0.5, 0.75, 1];
  const parts = [
    `<text x="${offsetX + W / 2}" y="20" text-anchor="middle" font-weight="bold">${escapeXml(p.title)}</text>`,
    ...ticks.map(
      (t) =>
        `<line x1="${sx(0)}" x2="${sx(xMax)}" y1="${sy(t * yMax)}" y2="${sy(t * yMax)}" stroke="#ddd"/>` +
        `<text x="${sx(0) - 6}" y="${sy(t * yMax) + 4}" text-anchor="end">${+(t * yMax).toFixed(1)}</text>` +
        `<text x="${sx(t * xMax)}" y="${sy(0) + 16}" text-anchor="middle">${+(t * xMax).toFixed(1)}</text>`,
    ),
    `<text x="${offsetX + M.left + plotW / 2}" y="${H - 8}" text-anchor="middle">${escapeXml(p.xLabel)}</text>`,
    `<text transform="translate(${offsetX + 14},${M.top + plotH / 2}) rotate(-90)" text-anchor="middle">${escapeXml(p.yLabel)}</text>`,
  ];
  p.series.forEach((s, i) => {
    const sorted = [...s.points].sort(([a], [b]) => a - b);
    const path = sorted.map(([x, y], j) => `${j === 0 ? "M" : "L"}${sx(x)},${sy(y)}`).join(" ");
    parts.push(`<path d="${path}" fill="none" stroke="${s.color}" stroke-width="2"/>`);
    for (const [x, y] of sorted)
      parts.push(`<circle cx="${sx(x)}" cy="${sy(y)}" r="3" fill="${s.color}"/>`);
    parts.push(
      `<text x="${sx(0) + 8}" y="${M.top + 14 + i * 14}" fill="${s.color}">${escapeXml(s.name)}</text>`,
    );
  });
  return parts.join("\n");
}

/** Panels side by side in one self-contained SVG (GitHub renders it in the README). */
export function renderChart(panels: ChartPanel[], caption: string): string {
  const width = W * panels.length;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${H + 20}" font-family="sans-serif" font-size="11">`,
    `<title>${escapeXml(panels.map((p) => p.title).join(", "))}: ${escapeXml(caption)}</title>`,
    `<rect width="100%" height="100%" fill="white"/>`,
    ...panels.map((p, i) => panel(p, i * W)),
    `<text x="8" y="${H + 14}" fill="#555">${escapeXml(caption)}</text>`,
    "</svg>",
    "",
  ].join("\n");
}
