/**
 * Reading a server's own figures while it runs: Herald's Prometheus endpoint
 * (GET http://127.0.0.1:HERALD_HTTP_PORT/metrics, prom-client default metrics)
 * and the baselines' control channel (GET /eld), sampled periodically for
 * event-loop delay.
 */
import http from "node:http";
import { httpJson } from "./net.js";

/**
 * Every sample of a Prometheus text exposition, summed per metric name over
 * its label sets (Herald labels everything with `node`, one value each).
 */
export function scrapeProm(url: string, timeoutMs = 10_000): Promise<Map<string, number>> {
  const u = new URL(url);
  if (!u.hostname.startsWith("127.")) throw new Error(`benchmarks stay on 127.0.0.0/8, not ${u.hostname}`);
  return new Promise((resolve, reject) => {
    const req = http.get(u, { timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        if ((res.statusCode ?? 500) >= 400) return reject(new Error(`GET ${url}: ${res.statusCode}`));
        const out = new Map<string, number>();
        for (const line of Buffer.concat(chunks).toString("utf8").split("\n")) {
          if (line === "" || line.startsWith("#")) continue;
          const m = /^([a-zA-Z_:][\w:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
          if (!m) continue;
          const v = Number(m[3]);
          if (Number.isFinite(v)) out.set(m[1]!, (out.get(m[1]!) ?? 0) + v);
        }
        resolve(out);
      });
    });
    req.on("timeout", () => req.destroy(new Error(`GET ${url}: timed out after ${timeoutMs} ms`)));
    req.on("error", reject);
  });
}

export function heraldMetricsUrl(httpPort: number): string {
  return `http://127.0.0.1:${httpPort}/metrics`;
}

/**
 * Event-loop delay since the previous read, in seconds, as Node's
 * `monitorEventLoopDelay` reports it: the time between timer ticks at the
 * sampling resolution, so an idle loop reads about `resolution` (10 ms).
 */
export interface EldReading {
  p50: number;
  p99: number;
  max: number;
}

/** The sampling resolution of prom-client's default collector and of the baselines' /eld (ms). */
export const ELD_RESOLUTION_MS = 10;

export function heraldEld(httpPort: number): () => Promise<EldReading> {
  const url = heraldMetricsUrl(httpPort);
  return async () => {
    const m = await scrapeProm(url);
    return {
      p50: m.get("nodejs_eventloop_lag_p50_seconds") ?? Number.NaN,
      p99: m.get("nodejs_eventloop_lag_p99_seconds") ?? Number.NaN,
      max: m.get("nodejs_eventloop_lag_max_seconds") ?? Number.NaN,
    };
  };
}

export function baselineEld(controlPort: number): () => Promise<EldReading> {
  return () => httpJson<EldReading>("GET", `http://127.0.0.1:${controlPort}/eld`);
}

export interface EldSummary {
  /** p99 of the delays over the run, ms, with the sampling resolution taken off. */
  p99: number;
  /** p50, ms, resolution taken off. */
  p50: number;
  /** Largest delay seen, ms, resolution taken off. */
  max: number;
  /** Reads taken after the first (1 = one window over the whole run). */
  intervals: number;
  /** Per-window p99 (ms, resolution off), in order, when read periodically. */
  p99s: number[];
}

/**
 * Reads a server's event-loop delay over a run. Each read resets the server's
 * histogram (prom-client does so on every scrape), so start() reads once to
 * drop what came before. With intervalMs 0 (the default) the next read is at
 * stop(): one window over the whole run, so p99 is a p99 of every 10 ms tick of
 * the run (a 1-s window has only ~100 ticks, where p99 is about the max). With
 * intervalMs > 0 it also reads every interval and reports the worst window's
 * p99 and the median p50. Figures are delay beyond the sampling resolution.
 */
export class EldSampler {
  readonly #read: () => Promise<EldReading>;
  readonly #intervalMs: number;
  readonly #readings: EldReading[] = [];
  #timer: NodeJS.Timeout | undefined;
  #pending: Promise<void> = Promise.resolve();
  errors = 0;

  constructor(read: () => Promise<EldReading>, intervalMs = 0) {
    this.#read = read;
    this.#intervalMs = intervalMs;
  }

  async start(): Promise<void> {
    await this.#read().catch(() => this.errors++);
    if (this.#intervalMs > 0)
      this.#timer = setInterval(() => {
        this.#pending = this.#pending.then(() => this.#sample());
      }, this.#intervalMs);
  }

  async #sample(): Promise<void> {
    try {
      this.#readings.push(await this.#read());
    } catch {
      this.errors++;
    }
  }

  async stop(): Promise<EldSummary> {
    clearInterval(this.#timer);
    await this.#pending;
    await this.#sample();
    const off = (s: number) => Math.max(0, s * 1000 - ELD_RESOLUTION_MS);
    const ok = this.#readings.filter((r) => Number.isFinite(r.p99) && Number.isFinite(r.max) && r.max > 0);
    const p99s = ok.map((r) => off(r.p99));
    const p50s = ok.map((r) => off(r.p50)).sort((a, b) => a - b);
    return {
      p99: p99s.length ? Math.max(...p99s) : Number.NaN,
      p50: p50s.length ? p50s[Math.floor((p50s.length - 1) / 2)]! : Number.NaN,
      max: ok.length ? Math.max(...ok.map((r) => off(r.max))) : Number.NaN,
      intervals: ok.length,
      p99s: p99s.map((v) => Math.round(v * 100) / 100),
    };
  }
}
