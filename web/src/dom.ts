/** Small DOM helpers: the page uses no framework. */

type Child = Node | string | null | undefined | false;
type AttrValue = string | number | boolean | null | undefined | ((event: Event) => void);

/**
 * Creates an element. Attributes: `class` sets the class list, `onX` adds an
 * `x` event listener, `true` sets an empty attribute, `false`/null/undefined
 * leave it out, anything else is set as a string. Children that are strings
 * become text nodes (never parsed as HTML).
 */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, AttrValue> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === false || value === null || value === undefined) continue;
    if (typeof value === "function") el.addEventListener(key.slice(2).toLowerCase(), value);
    else if (key === "class") el.className = String(value);
    else el.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children) if (child !== null && child !== undefined && child !== false) el.append(child);
  return el;
}

/** The element with this id; throws when the page lacks it (a broken build, not a user error). */
export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`the page has no #${id}`);
  return el as T;
}

/** Shows or hides an element (the `hidden` attribute). */
export function show(el: HTMLElement, visible: boolean): void {
  el.hidden = !visible;
}

/** Compares two int64 decimal strings (seqs); an empty or absent one counts as 0. */
export function compareSeq(a: string | undefined, b: string | undefined): number {
  const x = BigInt(a || "0");
  const y = BigInt(b || "0");
  return x < y ? -1 : x > y ? 1 : 0;
}

/** "14:03" today, "25 Nov 14:03" otherwise; "" for an absent time. */
export function formatTime(iso: string | undefined): string {
  if (!iso) return "";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "";
  const time = d.toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit" });
  if (d.toDateString() === new Date().toDateString()) return time;
  return `${d.toLocaleDateString(undefined, { day: "numeric", month: "short" })} ${time}`;
}

/** The text to show for a JSON content object: its `text` (or `body`, `message`) string, else compact JSON. */
export function contentText(content: unknown): string {
  if (content === null || content === undefined) return "";
  if (typeof content !== "object") return String(content);
  const o = content as Record<string, unknown>;
  for (const key of ["text", "body", "message"]) if (typeof o[key] === "string") return o[key] as string;
  const json = JSON.stringify(o);
  return json === "{}" ? "" : json;
}
