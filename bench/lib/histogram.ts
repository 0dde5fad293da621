/**
 * A mergeable log-bucketed histogram of latencies in milliseconds.
 * Buckets grow by 1% from 1 µs (about 2,100 buckets up to 1,000 s), so every
 * reported percentile is within 1% of the true sample; min, max, count and sum
 * are exact. Load-generator processes send theirs as JSON and the scenario merges them.
 */
const GROWTH = 1.01;
const LOG_GROWTH = Math.log(GROWTH);
const MIN_MS = 0.001;
const BUCKETS = Math.ceil(Math.log(1_000_000 / MIN_MS) / LOG_GROWTH) + 2;

export interface LatencySummary {
  count: number;
  min: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
}

export interface HistogramJson {
  /** bucket index -> count, only non-empty buckets. */
  b: Record<string, number>;
  count: number;
  sum: number;
  min: number;
  max: number;
}

export class Histogram {
  readonly #counts = new Float64Array(BUCKETS);
  count = 0;
  sum = 0;
  min = Number.POSITIVE_INFINITY;
  max = Number.NEGATIVE_INFINITY;

  static #index(ms: number): number {
    if (!(ms > MIN_MS)) return 0;
    const i = Math.floor(Math.log(ms / MIN_MS) / LOG_GROWTH) + 1;
    return i >= BUCKETS ? BUCKETS - 1 : i;
  }

  /** Upper bound of bucket i (what a percentile falling into it reports, capped at max). */
  static #upper(i: number): number {
    return i === 0 ? MIN_MS : MIN_MS * GROWTH ** i;
  }

  record(ms: number): void {
    // Clock noise can make a same-tick delivery come out a hair negative.
    const v = Math.max(ms, 0);
    this.#counts[Histogram.#index(v)]! += 1;
    this.count++;
    this.sum += v;
    if (v < this.min) this.min = v;
    if (v > this.max) this.max = v;
  }

  merge(other: Histogram | HistogramJson): this {
    const h = other instanceof Histogram ? other.toJSON() : other;
    for (const [k, c] of Object.entries(h.b)) this.#counts[Number(k)]! += c;
    this.count += h.count;
    this.sum += h.sum;
    if (h.count > 0) {
      this.min = Math.min(this.min, h.min);
      this.max = Math.max(this.max, h.max);
    }
    return this;
  }

  /** q in [0, 1]. */
  percentile(q: number): number {
    if (this.count === 0) return Number.NaN;
    const rank = Math.max(1, Math.ceil(q * this.count));
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.#counts[i]!;
      if (seen >= rank) return Math.min(Math.max(Histogram.#upper(i), this.min), this.max);
    }
    return this.max;
  }

  /** Samples at or below ms, counting whole buckets (so within 1%, erring low). */
  countAtMost(ms: number): number {
    if (this.count > 0 && this.max <= ms) return this.count;
    let n = 0;
    for (let i = 0; i < BUCKETS && Histogram.#upper(i) <= ms; i++) n += this.#counts[i]!;
    return n;
  }

  summary(): LatencySummary {
    return {
      count: this.count,
      min: this.count ? this.min : Number.NaN,
      mean: this.count ? this.sum / this.count : Number.NaN,
      p50: this.percentile(0.5),
      p90: this.percentile(0.9),
      p99: this.percentile(0.99),
      p999: this.percentile(0.999),
      max: this.count ? this.max : Number.NaN,
    };
  }

  toJSON(): HistogramJson {
    const b: Record<string, number> = {};
    for (let i = 0; i < BUCKETS; i++) if (this.#counts[i]! > 0) b[i] = this.#counts[i]!;
    return { b, count: this.count, sum: this.sum, min: this.min, max: this.max };
  }

  static fromJSON(h: HistogramJson): Histogram {
    return new Histogram().merge(h);
  }
}

/** Percentiles of an array of timings (e.g. per-batch), same 1% precision. */
export function summarize(values: number[]): LatencySummary {
  const h = new Histogram();
  for (const v of values) h.record(v);
  return h.summary();
}
