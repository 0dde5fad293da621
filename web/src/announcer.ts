import { byId, show } from "./dom.js";

/**
 * Screen-reader announcements (a polite aria-live region) and the visible
 * alert line (role="alert") for errors.
 */
export class Announcer {
  readonly #live = byId("announcer");
  readonly #alert = byId("alert");
  #alertTimer: ReturnType<typeof setTimeout> | undefined;

  /** Reads `text` out politely (e.g. "New notification: hi"). */
  say(text: string): void {
    // Replacing the text of an aria-atomic region makes it announced again, even when equal.
    this.#live.textContent = "";
    requestAnimationFrame(() => {
      this.#live.textContent = text;
    });
  }

  /** Shows an error to everyone (and announces it assertively) for 8 s, or until the next one. */
  error(text: string): void {
    this.#alert.textContent = text;
    show(this.#alert, true);
    clearTimeout(this.#alertTimer);
    this.#alertTimer = setTimeout(() => show(this.#alert, false), 8000);
  }

  /** Hides the error line. */
  clearError(): void {
    clearTimeout(this.#alertTimer);
    show(this.#alert, false);
  }
}

/** A readable message for anything a promise of the SDK rejected with. */
export function describeError(err: unknown): string {
  if (err && typeof err === "object") {
    const e = err as { code?: unknown; message?: unknown };
    if (typeof e.message === "string" && typeof e.code === "string") return `${e.message} (${e.code})`;
    if (typeof e.message === "string") return e.message;
  }
  return String(err);
}
