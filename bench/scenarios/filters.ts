/**
 * Filters: Koncorde-DSL subscription filters on one FilterIndex (in process,
 * one thread), publications matched per second against 1k, 10k and 100k
 * filtered subscriptions, for three filter shapes, beside sift testing the
 * equivalent Mongo-style query of every subscription (a linear scan, same run)
 * and beside the Koncorde 4.7 figures the issue gives for the same shapes.
 *
 *   npm run bench:filters
 *   npm run bench:filters -- --sizes 1000,10000 --seconds 2
 *
 * Options (flag or BENCH_<NAME> env): --sizes (default 1000,10000,100000),
 * --shapes (equals,unselective,range), --systems (herald,sift), --seconds
 * (one measured round, default 1), --rounds (per cell, default 3; the median
 * is reported), --warmup (seconds per cell, default 0.5), --seed (of the
 * publications' PRNG, default 42). Each cell starts after a full GC.
 *
 * Every publication's matches are checked against the expected subscriptions
 * (exactly one user, or none for `equals AND range` when n is below the
 * bound): a wrong match set ends the run with an error.
 */
// sift is CommonJS: its function is both the default import and, for the typings, its `.default`.
import { runInNewContext } from "node:vm";
import v8 from "node:v8";
import sift from "sift";
import { parseFilter } from "../../src/domain/filter/filter.js";
import { FilterIndex } from "../../src/domain/filter/filter-index.js";
import type { FilterDocument } from "../../src/domain/filter/field-path.js";
import { listOpt, numOpt, runIfMain } from "../lib/args.js";
import { nowMs } from "../lib/clock.js";
import { machineInfo } from "../lib/machine.js";
import { BoxMeter } from "../lib/noise.js";
import { type FigureDef, report, type ScenarioResult, type SystemResult } from "../lib/results.js";

type ShapeKey = "equals" | "unselective" | "range";

interface Shape {
  key: ShapeKey;
  label: string;
  /** Filter of subscription i, in Koncorde's DSL and as a sift (Mongo) query. */
  koncorde(i: number): unknown;
  mongo(i: number): Record<string, unknown>;
  /** The content of a publication for user j, with `r` in 0..99. */
  content(j: number, r: number): Record<string, unknown>;
  /** Whether subscription j matches that publication. */
  matches(j: number, r: number): boolean;
}

const SHAPES: Shape[] = [
  {
    key: "equals",
    label: "equals only",
    koncorde: (i) => ({ equals: { user: `u${i}` } }),
    mongo: (i) => ({ user: `u${i}` }),
    content: (j) => ({ user: `u${j}`, kind: "chat" }),
    matches: () => true,
  },
  {
    key: "unselective",
    label: "equals AND (unselective) equals",
    koncorde: (i) => ({ and: [{ equals: { user: `u${i}` } }, { equals: { kind: "chat" } }] }),
    mongo: (i) => ({ user: `u${i}`, kind: "chat" }),
    content: (j) => ({ user: `u${j}`, kind: "chat" }),
    matches: () => true,
  },
  {
    key: "range",
    label: "equals AND range",
    koncorde: (i) => ({ and: [{ equals: { user: `u${i}` } }, { range: { n: { gte: i % 100 } } }] }),
    mongo: (i) => ({ user: `u${i}`, n: { $gte: i % 100 } }),
    content: (j, r) => ({ user: `u${j}`, kind: "chat", n: r }),
    matches: (j, r) => r >= j % 100,
  },
];

/** Koncorde 4.7, matched publications/s, as measured for the issue (filters -> shape -> figure). */
const KONCORDE: Record<number, Record<ShapeKey | "sift", number>> = {
  1000: { equals: 5_400_000, unselective: 40_900, range: 20_900, sift: 14_100 },
  10000: { equals: 4_200_000, unselective: 2_300, range: 934, sift: 1_200 },
  100000: { equals: 3_800_000, unselective: 57, range: 23, sift: 75 },
};

export interface FiltersParams {
  sizes: number[];
  shapes: ShapeKey[];
  systems: ("herald" | "sift")[];
  seconds: number;
  rounds: number;
  warmup: number;
  seed: number;
}

export function filtersParamsFromArgs(): FiltersParams {
  return {
    sizes: listOpt("sizes", ["1000", "10000", "100000"]).map(Number),
    shapes: listOpt("shapes", ["equals", "unselective", "range"]).filter((s) => SHAPES.some((x) => x.key === s)) as ShapeKey[],
    systems: listOpt("systems", ["herald", "sift"]).filter((s) => s === "herald" || s === "sift") as FiltersParams["systems"],
    seconds: numOpt("seconds", 1),
    rounds: Math.max(1, numOpt("rounds", 3)),
    warmup: numOpt("warmup", 0.5),
    seed: numOpt("seed", 42),
  };
}

/** mulberry32: a small seeded PRNG, so every run publishes the same documents. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Publication {
  doc: FilterDocument;
  /** The one subscription that must match, or -1 for none. */
  expected: number;
}

const RING = 4096;

function publications(shape: Shape, n: number, seed: number): Publication[] {
  const rnd = prng(seed);
  return Array.from({ length: RING }, () => {
    const j = Math.floor(rnd() * n);
    const r = Math.floor(rnd() * 100);
    return { doc: { content: shape.content(j, r), envelope: {} }, expected: shape.matches(j, r) ? j : -1 };
  });
}

function check(system: string, p: Publication, got: readonly number[]): void {
  const ok = p.expected === -1 ? got.length === 0 : got.length === 1 && got[0] === p.expected;
  if (!ok) throw new Error(`${system}: ${JSON.stringify(p.doc.content)} matched [${got.slice(0, 5).join(",")}], expected [${p.expected}]`);
}

/** A full GC, so that the garbage of building a cell's filters is not collected while it is measured. */
const fullGc: () => void = (() => {
  v8.setFlagsFromString("--expose-gc");
  return runInNewContext("gc") as () => void;
})();

interface Measured {
  /** Median publications/s of the rounds. */
  rate: number;
  rounds: number[];
  /** Share of the box's CPU taken by other processes meanwhile. */
  foreignCpuShare: number;
}

/**
 * Runs `matchOne(publication)` for `warmup` seconds then `rounds` times
 * `seconds` seconds, checking every result. The clock is read once per batch,
 * the batch growing while a batch takes under 5 ms.
 */
function measure(system: string, pubs: Publication[], matchOne: (p: Publication) => number[], p: FiltersParams): Measured {
  let i = 0;
  const runFor = (seconds: number): number => {
    const t0 = nowMs();
    const end = t0 + seconds * 1000;
    let count = 0;
    let batch = 1;
    for (;;) {
      const b0 = nowMs();
      for (let k = 0; k < batch; k++) {
        const pub = pubs[i++ & (RING - 1)]!;
        check(system, pub, matchOne(pub));
      }
      count += batch;
      const now = nowMs();
      if (now >= end) return (count / (now - t0)) * 1000;
      if (now - b0 < 5) batch *= 2;
    }
  };
  fullGc();
  const meter = new BoxMeter();
  const cpu0 = process.cpuUsage();
  runFor(p.warmup);
  const rounds = Array.from({ length: p.rounds }, () => runFor(p.seconds));
  const cpu = process.cpuUsage(cpu0);
  const { foreignShare } = meter.stop((cpu.user + cpu.system) / 1000);
  const rate = [...rounds].sort((a, b) => a - b)[Math.floor((rounds.length - 1) / 2)]!;
  return { rate, rounds: rounds.map(Math.round), foreignCpuShare: Math.round(foreignShare * 100) / 100 };
}

function heraldCell(shape: Shape, n: number, pubs: Publication[], p: FiltersParams): Measured & { addMs: number } {
  const index = new FilterIndex<number>();
  const t0 = nowMs();
  for (let i = 0; i < n; i++) index.add(i, parseFilter(shape.koncorde(i)));
  const addMs = nowMs() - t0;
  if (index.size !== n) throw new Error(`herald: index holds ${index.size} filters, expected ${n}`);
  return { ...measure("herald", pubs, (pub) => index.match(pub.doc), p), addMs };
}

function siftCell(shape: Shape, n: number, pubs: Publication[], p: FiltersParams): Measured {
  const testers = Array.from({ length: n }, (_, i) => sift.default(shape.mongo(i)));
  return measure(
    "sift",
    pubs,
    (pub) => {
      const out: number[] = [];
      for (let i = 0; i < testers.length; i++) if (testers[i]!(pub.doc.content)) out.push(i);
      return out;
    },
    p,
  );
}

const fmt = (v: number) => `${Math.round(v).toLocaleString("en-US")}/s`;

/** Measures one (shape, size) cell for each selected system, into their figures and details. */
function runCell(shape: Shape, n: number, p: FiltersParams, herald: SystemResult, siftResult: SystemResult): void {
  const key = `${shape.key}_${n}`;
  const pubs = publications(shape, n, p.seed + n);
  const line: string[] = [`   ${n.toLocaleString("en-US").padStart(7)} filters, ${shape.label.padEnd(32)}`];
  if (p.systems.includes("herald")) {
    const { addMs, ...m } = heraldCell(shape, n, pubs, p);
    herald.figures[key] = m.rate;
    herald.details![key] = { ...m, addFiltersPerSec: Math.round((n / addMs) * 1000) };
    line.push(`herald ${fmt(m.rate)} (adds ${fmt((n / addMs) * 1000)}, other work ${Math.round(m.foreignCpuShare * 100)}%)`);
  }
  if (p.systems.includes("sift")) {
    const m = siftCell(shape, n, pubs, p);
    siftResult.figures[key] = m.rate;
    siftResult.details![key] = m;
    line.push(`sift ${fmt(m.rate)} (other work ${Math.round(m.foreignCpuShare * 100)}%)`);
  }
  process.stdout.write(`${line.join("  ")}\n`);
}

function figureDefs(p: FiltersParams): FigureDef[] {
  return p.sizes.flatMap((n) =>
    SHAPES.filter((s) => p.shapes.includes(s.key)).map((s) => ({
      key: `${s.key}_${n}`,
      label: `${n.toLocaleString("en-US")} filters, ${s.label}: publications matched/s`,
      unit: "/s" as const,
      better: "higher" as const,
    })),
  );
}

function verdicts(herald: SystemResult, p: FiltersParams): string[] {
  const out: string[] = [];
  for (const n of p.sizes)
    for (const s of SHAPES.filter((x) => p.shapes.includes(x.key))) {
      const h = herald.figures[`${s.key}_${n}`];
      const k = KONCORDE[n]?.[s.key];
      if (h === undefined || k === undefined) continue;
      const want = s.key === "equals" ? 1 : n >= 10_000 ? 10 : undefined;
      if (want === undefined) continue;
      const x = h / k;
      out.push(
        `target (${n.toLocaleString("en-US")} filters, ${s.label}): ${x.toFixed(1)}x Koncorde (>= ${want}x ${x >= want ? "met" : "NOT met"})`,
      );
    }
  return out;
}

export async function runFilters(p: FiltersParams): Promise<ScenarioResult> {
  const started = new Date();
  const t0 = nowMs();
  const herald: SystemResult = { name: "Herald", status: "ok", figures: {}, details: {} };
  const siftResult: SystemResult = { name: "sift (linear scan, same run)", status: "ok", figures: {}, details: {} };
  const koncorde: SystemResult = { name: "Koncorde 4.7 (issue's figures)", status: "ok", figures: {} };
  const meter = new BoxMeter();
  const cpu0 = process.cpuUsage();
  process.stdout.write("\n-- filters: one FilterIndex, publications matched per second (one thread)\n");
  for (const n of p.sizes)
    for (const shape of SHAPES.filter((s) => p.shapes.includes(s.key))) {
      runCell(shape, n, p, herald, siftResult);
      const k = KONCORDE[n]?.[shape.key];
      if (k !== undefined) koncorde.figures[`${shape.key}_${n}`] = k;
    }
  const cpu = process.cpuUsage(cpu0);
  const box = meter.stop((cpu.user + cpu.system) / 1000);
  if (!p.systems.includes("herald")) Object.assign(herald, { status: "skipped", note: "not selected (--systems)" });
  if (!p.systems.includes("sift")) Object.assign(siftResult, { status: "skipped", note: "not selected (--systems)" });
  const siftAnchors = p.sizes
    .filter((n) => KONCORDE[n] !== undefined && siftResult.figures[`equals_${n}`] !== undefined)
    .map((n) => `${n.toLocaleString("en-US")}: ${fmt(KONCORDE[n]!.sift)} there, ${fmt(siftResult.figures[`equals_${n}`]!)} here`);
  const result: ScenarioResult = {
    scenario: "filters",
    title: "Filtered subscriptions: publications matched/s on one FilterIndex",
    startedAt: started.toISOString(),
    durationSec: Math.round((nowMs() - t0) / 100) / 10,
    machine: machineInfo(),
    params: { ...p },
    figures: figureDefs(p),
    herald,
    baselines: [siftResult, koncorde],
    notes: [
      `In process, one thread: each cell builds an index of N filters, then matches publications from a ring of ${RING} pre-built documents after a full GC, for ${p.warmup} s (warm-up) then ${p.rounds} rounds of ${p.seconds} s, the median round reported; every result is checked against the expected subscriptions.`,
      "Shapes: filter i = {equals: {user: u<i>}}; {and: [that, {equals: {kind: chat}}]} (kind the same in all); {and: [that, {range: {n: {gte: i mod 100}}}]} with n random in 0..99. Publications carry a random existing user.",
      "sift: sift(<Mongo equivalent>) tested on every filter for each publication (a linear scan), in this run.",
      `Koncorde 4.7: the issue's figures, measured on this kind of machine, not in this run. The issue's sift figure next to this run's sift (equals only), to compare the machines: ${siftAnchors.join("; ") || "not run"}.`,
      `Box CPU during the run: ${Math.round(box.busyShare * 100)}% busy, ${Math.round(box.foreignShare * 100)}% other work (2 cores: this run takes one; per cell in the JSON details).`,
      ...verdicts(herald, p),
    ],
  };
  report(result);
  return result;
}

runIfMain(import.meta.url, () => runFilters(filtersParamsFromArgs()));
