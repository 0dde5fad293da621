import type { LatencySummary } from "./histogram.js";

export interface ChartSeries {
  name: string;
  summary: LatencySummary;
}

const PALETTE = ["#1971c2", "#2f9e44", "#7048e8", "#0c8599", "#e67700", "#c2255c"];
/** Herald keeps its (warm) colours whichever systems a chart shows. */
const HERALD_PALETTE = ["#d9480f", "#f08c00", "#fcc419", "#c92a2a", "#e8590c", "#a61e4d"];
function colours(names: string[]): string[] {
  let k = 0;
  let h = 0;
  return names.map((n) => (n.startsWith("Herald") ? HERALD_PALETTE[h++ % HERALD_PALETTE.length]! : PALETTE[k++ % PALETTE.length]!));
}

function decadeLabel(d: number): string {
  return d >= 0 ? `${(10 ** d).toLocaleString("en-US")} ms` : `${(10 ** d).toFixed(-d)} ms`;
}
const PERCENTILES: { key: keyof LatencySummary; label: string }[] = [
  { key: "p50", label: "p50" },
  { key: "p99", label: "p99" },
  { key: "p999", label: "p99.9" },
  { key: "max", label: "max" },
];

function esc(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

export function fmtMs(v: number): string {
  if (!Number.isFinite(v)) return "n/a";
  if (v >= 100) return `${Math.round(v)} ms`;
  if (v >= 10) return `${v.toFixed(1)} ms`;
  if (v >= 1) return `${v.toFixed(2)} ms`;
  return `${v.toFixed(3)} ms`;
}

/**
 * Grouped bars, one group per percentile and one bar per system, on a log
 * scale (latencies here span 0.1 ms to seconds). Hand-written SVG, no deps.
 */
export function latencyChartSvg(options: { title: string; subtitle?: string; series: ChartSeries[]; footnote?: string }): string {
  const W = 760;
  const series = options.series.filter((s) => s.summary.count > 0);
  // Legend entries flow left to right and wrap; the chart grows by a line per extra row.
  const legend: { x: number; row: number }[] = [];
  let lx = 70;
  let row = 0;
  for (const s of series) {
    const w = 28 + s.name.length * 6.5;
    if (lx + w > W - 20 && lx > 70) {
      row++;
      lx = 70;
    }
    legend.push({ x: lx, row });
    lx += w;
  }
  const extra = row * 18;
  const H = 400 + extra;
  const m = { top: 64, right: 20, bottom: 70 + extra, left: 70 };
  const plotW = W - m.left - m.right;
  const plotH = H - m.top - m.bottom;
  const values = series.flatMap((s) => PERCENTILES.map((p) => s.summary[p.key])).filter((v) => Number.isFinite(v) && v > 0);
  // 0.9x so a value sitting exactly on a decade still shows a bar.
  const lo = Math.floor(Math.log10(values.length ? Math.min(...values) * 0.9 : 0.1));
  const hi = Math.max(lo + 1, Math.ceil(Math.log10(values.length ? Math.max(...values) : 1)));
  const y = (v: number) => m.top + plotH - ((Math.log10(Math.max(v, 10 ** lo)) - lo) / (hi - lo)) * plotH;
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif" font-size="12">`,
  );
  out.push(`<rect width="${W}" height="${H}" fill="#ffffff"/>`);
  out.push(`<text x="${W / 2}" y="22" text-anchor="middle" font-size="16" font-weight="600">${esc(options.title)}</text>`);
  if (options.subtitle) out.push(`<text x="${W / 2}" y="40" text-anchor="middle" fill="#555">${esc(options.subtitle)}</text>`);
  for (let d = lo; d <= hi; d++) {
    const yy = y(10 ** d);
    out.push(`<line x1="${m.left}" x2="${W - m.right}" y1="${yy}" y2="${yy}" stroke="#ddd"/>`);
    out.push(`<text x="${m.left - 8}" y="${yy + 4}" text-anchor="end" fill="#444">${esc(decadeLabel(d))}</text>`);
  }
  out.push(`<text transform="translate(16 ${m.top + plotH / 2}) rotate(-90)" text-anchor="middle" fill="#444">latency (log scale)</text>`);
  const colour = colours(series.map((s) => s.name));
  const groupW = plotW / PERCENTILES.length;
  const barW = Math.min(48, (groupW * 0.8) / Math.max(1, series.length));
  PERCENTILES.forEach((p, gi) => {
    const gx = m.left + gi * groupW + (groupW - barW * series.length) / 2;
    series.forEach((s, si) => {
      const v = s.summary[p.key];
      if (!Number.isFinite(v)) return;
      const top = y(v);
      const x = gx + si * barW;
      out.push(
        `<rect x="${x.toFixed(1)}" y="${top.toFixed(1)}" width="${(barW - 3).toFixed(1)}" height="${(m.top + plotH - top).toFixed(1)}" fill="${colour[si]}"><title>${esc(`${s.name} ${p.label}: ${fmtMs(v)}`)}</title></rect>`,
      );
      out.push(
        `<text x="${(x + (barW - 3) / 2).toFixed(1)}" y="${(top - 4).toFixed(1)}" text-anchor="middle" font-size="10" fill="#222">${esc(fmtMs(v).replace(" ms", ""))}</text>`,
      );
    });
    out.push(
      `<text x="${m.left + gi * groupW + groupW / 2}" y="${m.top + plotH + 18}" text-anchor="middle" font-weight="600">${p.label}</text>`,
    );
  });
  out.push(`<line x1="${m.left}" x2="${W - m.right}" y1="${m.top + plotH}" y2="${m.top + plotH}" stroke="#888"/>`);
  series.forEach((s, si) => {
    const { x, row: r } = legend[si]!;
    const ly = m.top + plotH + 34 + r * 18;
    out.push(`<rect x="${x}" y="${ly}" width="12" height="12" fill="${colour[si]}"/>`);
    out.push(`<text x="${x + 16}" y="${ly + 10}">${esc(s.name)}</text>`);
  });
  if (options.footnote) out.push(`<text x="${m.left}" y="${H - 8}" fill="#777" font-size="11">${esc(options.footnote)}</text>`);
  out.push("</svg>");
  return `${out.join("\n")}\n`;
}
