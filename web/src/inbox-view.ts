import type { Herald, Notification } from "@herald/client";
import { type Announcer, describeError } from "./announcer.js";
import { byId, compareSeq, show } from "./dom.js";
import { isStored, markItemRead, renderInboxItem, titleOf } from "./inbox-item.js";

/** Notifications per page (the first page, and each older page loaded by scrolling). */
export const PAGE_SIZE = 20;

interface Item {
  n: Notification;
  li: HTMLLIElement;
}

/**
 * The inbox list: newest first; the first page on sign-in, older pages as the
 * list is scrolled to its end (or "Load older" is pressed); live arrivals at
 * the top; read and delete kept in step with the user's other tabs and
 * devices (the SDK's `read` and `deleted` events); after a reconnect the
 * newest page is listed again to catch reads and deletes made meanwhile.
 */
export class InboxView {
  readonly #herald: Herald;
  readonly #announcer: Announcer;
  readonly #items = new Map<string, Item>();
  readonly #list = byId<HTMLUListElement>("inbox-list");
  readonly #scroll = byId("inbox-scroll");
  readonly #older = byId<HTMLButtonElement>("load-older");
  readonly #empty = byId("inbox-empty");
  #cursor = "";
  #hasMore = false;
  #loadingOlder = false;
  #loaded = false;

  constructor(herald: Herald, announcer: Announcer) {
    this.#herald = herald;
    this.#announcer = announcer;
  }

  /** Wires the list to the SDK's events and the page's buttons. */
  start(): void {
    const h = this.#herald;
    h.on("notification", (n) => {
      if (this.#items.has(n.id)) return;
      this.#insert(n);
      this.#announcer.say(`New notification: ${titleOf(n)}`);
    });
    h.on("read", (e) => this.#applyRead(e.ids ?? [], e.upToSeq));
    h.on("deleted", (e) => this.#removeLocal(e.ids ?? []));
    h.on("state", (e) => {
      if (e.current === "connected") void this.refresh();
    });
    byId("mark-all-read").addEventListener("click", () => void this.#markAllRead());
    this.#older.addEventListener("click", () => void this.loadOlder());
    const observer = new IntersectionObserver(
      (entries) => {
        if (entries.some((e) => e.isIntersecting)) void this.loadOlder();
      },
      { root: this.#scroll },
    );
    observer.observe(this.#older);
    if (h.state === "connected") void this.refresh();
  }

  /**
   * Lists the newest page and reconciles it with what is shown: adds what is
   * missing, updates read state, drops what was deleted meanwhile.
   */
  async refresh(): Promise<void> {
    // What is shown now, up to this seq, and missing from the newest page was deleted meanwhile;
    // anything newer may arrive while the list request runs and must stay.
    let ceiling = "0";
    for (const { n } of this.#items.values()) if (isStored(n) && compareSeq(n.seq, ceiling) > 0) ceiling = n.seq;
    let page: Awaited<ReturnType<Herald["list"]>>;
    try {
      page = await this.#herald.list({ limit: PAGE_SIZE });
    } catch (err) {
      this.#announcer.error(`Could not load the inbox: ${describeError(err)}`);
      return;
    }
    const fresh = page.notifications ?? [];
    const listed = new Set(fresh.map((n) => n.id));
    // The page holds everything from its oldest seq up (or everything, when it is the only page).
    const floor = fresh.length > 0 && page.hasMore ? fresh[fresh.length - 1]!.seq : "0";
    for (const [id, { n }] of this.#items)
      if (isStored(n) && !listed.has(id) && compareSeq(n.seq, floor) >= 0 && compareSeq(n.seq, ceiling) <= 0) this.#drop(id);
    for (const n of fresh) this.#upsert(n);
    if (!this.#loaded) {
      this.#loaded = true;
      this.#setPaging(page.nextCursor ?? "", Boolean(page.hasMore));
    }
    this.#updateEmpty();
  }

  /** Lists the next older page (no-op while one is loading or when there is none). */
  async loadOlder(): Promise<void> {
    if (this.#loadingOlder || !this.#hasMore || !this.#cursor) return;
    this.#loadingOlder = true;
    this.#older.setAttribute("aria-busy", "true");
    try {
      const page = await this.#herald.list({ limit: PAGE_SIZE, cursor: this.#cursor });
      for (const n of page.notifications ?? []) this.#upsert(n);
      this.#setPaging(page.nextCursor ?? "", Boolean(page.hasMore));
    } catch (err) {
      this.#announcer.error(`Could not load older notifications: ${describeError(err)}`);
      return;
    } finally {
      this.#loadingOlder = false;
      this.#older.removeAttribute("aria-busy");
    }
    this.#updateEmpty();
    // A short page may leave the button in view, which the observer does not report again.
    if (this.#hasMore && this.#olderInView()) void this.loadOlder();
  }

  #olderInView(): boolean {
    if (this.#older.hidden) return false;
    const b = this.#older.getBoundingClientRect();
    const s = this.#scroll.getBoundingClientRect();
    return b.top < s.bottom && b.bottom > s.top;
  }

  #setPaging(cursor: string, hasMore: boolean): void {
    this.#cursor = cursor;
    this.#hasMore = hasMore && cursor !== "";
    show(this.#older, this.#hasMore);
  }

  #upsert(n: Notification): void {
    const item = this.#items.get(n.id);
    if (!item) this.#insert(n);
    else if (n.readTime && !item.n.readTime) {
      item.n = { ...item.n, readTime: n.readTime };
      markItemRead(item.li);
    }
  }

  /** Inserts a row in seq order, newest first; ephemeral ones (no seq) go on top. */
  #insert(n: Notification): void {
    const li = renderInboxItem(n, { markRead: (id) => void this.#markRead(id), remove: (id) => void this.#delete(id) });
    this.#items.set(n.id, { n, li });
    let before: Element | null = null;
    if (isStored(n))
      for (const row of this.#list.children)
        if (compareSeq((row as HTMLElement).dataset.seq, n.seq) < 0 && (row as HTMLElement).dataset.seq !== "0") {
          before = row;
          break;
        }
    if (!isStored(n)) before = this.#list.firstElementChild;
    this.#list.insertBefore(li, before);
    this.#updateEmpty();
  }

  #applyRead(ids: readonly string[], upToSeq?: string): void {
    for (const id of ids) {
      const item = this.#items.get(id);
      if (item && !item.n.readTime) {
        item.n = { ...item.n, readTime: new Date().toISOString() };
        markItemRead(item.li);
      }
    }
    if (upToSeq && upToSeq !== "0")
      for (const item of this.#items.values())
        if (!item.n.readTime && isStored(item.n) && compareSeq(item.n.seq, upToSeq) <= 0) {
          item.n = { ...item.n, readTime: new Date().toISOString() };
          markItemRead(item.li);
        }
  }

  #removeLocal(ids: readonly string[]): void {
    for (const id of ids) this.#drop(id);
    this.#updateEmpty();
  }

  #drop(id: string): void {
    const item = this.#items.get(id);
    if (!item) return;
    const focused = item.li.contains(document.activeElement);
    const next = (item.li.nextElementSibling ?? item.li.previousElementSibling) as HTMLElement | null;
    item.li.remove();
    this.#items.delete(id);
    // Keep keyboard users in the list: focus the neighbouring row's first button.
    if (focused) (next?.querySelector<HTMLButtonElement>("button") ?? byId("inbox-heading")).focus();
  }

  #updateEmpty(): void {
    show(this.#empty, this.#loaded && this.#items.size === 0);
  }

  async #markRead(id: string): Promise<void> {
    try {
      const r = await this.#herald.markRead([id]);
      this.#applyRead(r.updatedIds?.length ? r.updatedIds : [id]);
    } catch (err) {
      this.#announcer.error(`Could not mark it read: ${describeError(err)}`);
    }
  }

  async #markAllRead(): Promise<void> {
    try {
      // The SDK's read event (up to the newest seq it knows) updates the rows.
      await this.#herald.markAllRead();
      this.#announcer.say("All notifications marked read");
    } catch (err) {
      this.#announcer.error(`Could not mark all read: ${describeError(err)}`);
    }
  }

  async #delete(id: string): Promise<void> {
    try {
      await this.#herald.delete([id]);
      this.#removeLocal([id]);
      this.#announcer.say("Notification deleted");
    } catch (err) {
      this.#announcer.error(`Could not delete it: ${describeError(err)}`);
    }
  }
}
