/**
 * The caps a filter is validated against at subscribe time (each refusal is
 * `invalid_argument`). They bound what one subscription can cost per matched
 * document: see the TSDoc block of parse-filter.ts for the whole language.
 */

/** Conditions (terms) in one filter once its sugar is removed (`bool`, `missing`, `ids`), as Koncorde's default. */
export const MAX_FILTER_CONDITIONS = 50;

/** Conjunctions in the filter's disjunctive normal form (e.g. `and` of three 4-way `or`s = 64). */
export const MAX_FILTER_CONJUNCTIONS = 64;

/** Nesting of operators (`and`, `or`, `not`, `bool`) in one filter; the filter object itself is level 1. */
export const MAX_FILTER_DEPTH = 32;

/** Segments of a field path (`a.b.c` has 3). */
export const MAX_PATH_DEPTH = 16;

/** Characters of a field path. */
export const MAX_PATH_LENGTH = 256;

/** Values of one `in` or `ids` term. */
export const MAX_IN_VALUES = 1024;

/** Characters of a `regexp` pattern. */
export const MAX_REGEXP_LENGTH = 512;

/**
 * Instructions of a compiled `regexp` (re2js' programSize): matching is linear
 * in the text but multiplied by this when the automaton cannot be cached, so
 * `[a-z]{1000}` (about 1,000) is refused while ordinary patterns are well under.
 */
export const MAX_REGEXP_PROGRAM_SIZE = 300;

/** Characters of one string value in `equals`, `in`, `ids` or an array-value test. */
export const MAX_STRING_VALUE_LENGTH = 4096;
