import assert from "node:assert/strict";
import { type DeliveryReport, summarize } from "./delivery-checker.js";

/** A count of a DeliveryReport that comes with examples. */
export type Anomaly = keyof DeliveryReport["examples"];

/** What a failure scenario must never cause: a loss, a send stored twice, a misdelivery, a seq out of order or unlike the one answered. */
const ALWAYS: readonly Anomaly[] = ["lost", "duplicatedAfterDedupe", "unexpected", "outOfOrder", "seqMismatch"];

/**
 * Asserts that each of those counts (then each of `also`) is 0, one by one;
 * a failure names `what` and the count, with its examples and the report's
 * summary.
 */
export function assertClean(r: DeliveryReport, what: string, also: readonly Anomaly[] = []): void {
  for (const field of [...ALWAYS, ...also])
    assert.equal(r[field], 0, `${what}: ${field}: ${r.examples[field].join("; ")}\n${summarize(r)}`);
}
