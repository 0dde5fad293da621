import { RE2JS } from "re2js";
import { HeraldError } from "../errors.js";
import { MAX_REGEXP_LENGTH, MAX_REGEXP_PROGRAM_SIZE } from "./limits.js";

const FLAG_BITS: Readonly<Record<string, number>> = {
  i: RE2JS.CASE_INSENSITIVE,
  m: RE2JS.MULTILINE,
  s: RE2JS.DOTALL,
};

/**
 * Compiles a `regexp` term with re2js (RE2 syntax, linear-time matching: no
 * lookaround, no backreferences). `flags` may hold `i`, `m` and `s`, each at
 * most once. Refuses, as `HeraldError.invalid(field, ...)`: a pattern that is
 * not a string, empty, longer than MAX_REGEXP_LENGTH, that re2js cannot
 * compile, or whose program exceeds MAX_REGEXP_PROGRAM_SIZE; flags that are
 * not a string or hold anything else (reported on `${field}.flags`).
 */
export function compileRegexp(pattern: unknown, flags: unknown, field: string): RE2JS {
  if (typeof pattern !== "string" || pattern.length === 0) throw HeraldError.invalid(field, "the pattern must be a non-empty string");
  if (pattern.length > MAX_REGEXP_LENGTH) throw HeraldError.invalid(field, `the pattern is at most ${MAX_REGEXP_LENGTH} characters`);
  const bits = flagBits(flags, `${field}.flags`);
  let re: RE2JS;
  try {
    re = RE2JS.compile(pattern, bits);
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw HeraldError.invalid(field, `cannot compile the pattern (RE2 syntax, no lookaround or backreferences): ${why}`);
  }
  if (re.programSize() > MAX_REGEXP_PROGRAM_SIZE)
    throw HeraldError.invalid(field, `the pattern is too complex (over ${MAX_REGEXP_PROGRAM_SIZE} instructions once compiled)`);
  return re;
}

function flagBits(flags: unknown, field: string): number {
  if (flags === undefined || flags === null) return 0;
  if (typeof flags !== "string") throw HeraldError.invalid(field, "must be a string of flags (i, m, s)");
  let bits = 0;
  for (const f of flags) {
    const bit = Object.hasOwn(FLAG_BITS, f) ? FLAG_BITS[f]! : 0;
    if (bit === 0) throw HeraldError.invalid(field, `unknown flag "${f}" (allowed: i, m, s)`);
    if ((bits & bit) !== 0) throw HeraldError.invalid(field, `flag "${f}" given twice`);
    bits |= bit;
  }
  return bits;
}
