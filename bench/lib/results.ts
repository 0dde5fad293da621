import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { LatencySummary } from "./histogram.js";
import { describeMachine, type MachineInfo } from "./machine.js";
import { REPO_ROOT } from "./proc.js";
import { fmtMs, latencyChartSvg, type ChartSeries } from "./svg.js";

export const RESULTS_DIR = path.join(REPO_ROOT, "bench/results");

/** One reported figure, e.g. deliveries/s (higher is better) or p99 latency (lower is better). */
export interface FigureDef {
  key: string;
  label: string;
  unit: "/s" | "ms" | "count" | "MiB" | "KiB" | "ratio" | "%";
  better: "higher" | "lower";
}

export interface SystemResult {
  name: string;
  /** skipped: could not run (e.g. Herald's gateway not there yet); `note` says why. */
  status: "ok" | "skipped" | "failed";
  note?: string;
  figures: Record<string, number>;
  /** Latency distribution for the chart. */
  latency?: LatencySummary;
  /** Several named distributions instead (e.g. per call kind); the chart shows these when given. */
  chart?: ChartSeries[];
  /** Anything else worth keeping in the JSON (raw counts, CPU, ...). */
  details?: Record<string, unknown>;
}

export interface ScenarioResult {
  /** File name stem under bench/results/. */
  scenario: string;
  /** Which Herald was measured: the commit, and whether src/ had uncommitted changes. Filled by report(). */
  heraldSource?: { commit: string; dirty: boolean };
  title: string;
  startedAt: string;
  durationSec: number;
  machine: MachineInfo;
  params: Record<string, unknown>;
  figures: FigureDef[];
  herald: SystemResult;
  baselines: SystemResult[];
  notes: string[];
}

export function fmtValue(v: number | undefined, unit: FigureDef["unit"]): string {
  if (v === undefined || !Number.isFinite(v)) return "—";
  switch (unit) {
    case "/s":
      return `${Math.round(v).toLocaleString("en-US")}/s`;
    case "ms":
      return fmtMs(v);
    case "MiB":
      return `${v.toFixed(1)} MiB`;
    case "KiB":
      return `${v.toFixed(1)} KiB`;
    case "%":
      return `${Math.round(v)}%`;
    case "ratio":
      return `${v.toFixed(2)}x`;
    default:
      return Math.round(v).toLocaleString("en-US");
  }
}

/** Herald / baseline; for "lower is better" figures a ratio < 1 means Herald wins. */
export function ratio(herald: number | undefined, baseline: number | undefined): number | undefined {
  if (herald === undefined || baseline === undefined || !Number.isFinite(herald) || !Number.isFinite(baseline) || baseline === 0)
    return undefined;
  return herald / baseline;
}

function heraldCell(h: SystemResult, key: string, unit: FigureDef["unit"]): string {
  if (h.status !== "ok") return h.status === "skipped" ? "not run" : "failed";
  return fmtValue(h.figures[key], unit);
}

/** Rows of `figure | Herald | <baseline> | ratio`, one table per baseline. */
export function tables(r: ScenarioResult): { baseline: string; header: string[]; rows: string[][] }[] {
  return r.baselines.map((b) => ({
    baseline: b.name,
    header: ["figure", "Herald", b.name, "ratio (Herald / baseline)"],
    rows: r.figures
      .filter((f) => f.key in b.figures || f.key in r.herald.figures)
      .map((f) => [
        `${f.label} (${f.better} is better)`,
        heraldCell(r.herald, f.key, f.unit),
        b.status === "ok" ? fmtValue(b.figures[f.key], f.unit) : b.status,
        fmtValue(ratio(r.herald.status === "ok" ? r.herald.figures[f.key] : undefined, b.figures[f.key]), "ratio"),
      ]),
  }));
}

function textTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(" | ");
  return [line(header), widths.map((w) => "-".repeat(w)).join("-|-"), ...rows.map(line)].join("\n");
}

export function markdownTable(header: string[], rows: string[][]): string {
  return [
    `| ${header.join(" | ")} |`,
    `| ${header.map((_, i) => (i === 0 ? "---" : "---:")).join(" | ")} |`,
    ...rows.map((r) => `| ${r.join(" | ")} |`),
  ].join("\n");
}

function gitSource(): { commit: string; dirty: boolean } {
  const git = (args: string[]) =>
    execFileSync("git", args, { cwd: REPO_ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  try {
    return { commit: git(["rev-parse", "--short", "HEAD"]), dirty: git(["status", "--porcelain", "--", "src", "gen", "proto"]) !== "" };
  } catch {
    return { commit: "unknown", dirty: false };
  }
}

/** Prints the scenario's tables and writes bench/results/<scenario>.{json,svg,md}. */
export function report(r: ScenarioResult): { json: string; svg: string; md: string } {
  mkdirSync(RESULTS_DIR, { recursive: true });
  r.heraldSource ??= gitSource();
  const ts = tables(r);
  const lines: string[] = [
    "",
    `== ${r.title} ==`,
    `machine: ${describeMachine(r.machine)}`,
    `Herald source: ${r.heraldSource.commit}${r.heraldSource.dirty ? " + uncommitted changes" : ""}`,
  ];
  if (r.herald.status !== "ok") lines.push(`Herald: ${r.herald.status}${r.herald.note ? ` — ${r.herald.note}` : ""}`);
  for (const t of ts) lines.push("", textTable(t.header, t.rows));
  if (ts.length === 0 && r.herald.status === "ok")
    lines.push(
      "",
      textTable(
        ["figure", "Herald"],
        r.figures
          .filter((f) => f.key in r.herald.figures)
          .map((f) => [`${f.label} (${f.better} is better)`, fmtValue(r.herald.figures[f.key], f.unit)]),
      ),
    );
  for (const b of r.baselines) if (b.status !== "ok") lines.push(`${b.name}: ${b.status}${b.note ? ` — ${b.note}` : ""}`);
  const systemNotes = [r.herald, ...r.baselines].filter((x) => x.status === "ok" && x.note).map((x) => `${x.name}: ${x.note}`);
  for (const n of systemNotes) lines.push(`note: ${n}`);
  for (const n of r.notes) lines.push(`note: ${n}`);
  process.stdout.write(`${lines.join("\n")}\n`);

  const base = path.join(RESULTS_DIR, r.scenario);
  writeFileSync(`${base}.json`, `${JSON.stringify(r, null, 2)}\n`);
  const series = [r.herald, ...r.baselines]
    .filter((s) => s.status === "ok")
    .flatMap((s) => s.chart ?? (s.latency ? [{ name: s.name, summary: s.latency }] : []));
  const notRun = [r.herald, ...r.baselines].filter((s) => s.status !== "ok").map((s) => `${s.name}: ${s.status}`);
  writeFileSync(
    `${base}.svg`,
    latencyChartSvg({
      title: r.title,
      subtitle: `${r.machine.cores} cores · ${r.machine.cpuModel} · Node ${r.machine.node} · ${r.startedAt.slice(0, 10)}`,
      series,
      footnote: notRun.length ? `not in this chart: ${notRun.join("; ")}` : undefined,
    }),
  );
  const md = [
    `### ${r.title}`,
    "",
    ...ts.flatMap((t) => [markdownTable(t.header, t.rows), ""]),
    ...[...systemNotes, ...r.notes].map((n) => `- ${n}`),
    "",
  ].join("\n");
  writeFileSync(`${base}.md`, md);
  return { json: `${base}.json`, svg: `${base}.svg`, md: `${base}.md` };
}
