import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * "Your app" for the production hand-over: a real HTTP server on its own
 * origin whose page embeds the Herald page in an iframe with
 * `#token=...&origin=<this origin>`, and answers the iframe's
 * `herald:token-request` messages with a fresh token from its own `/token`
 * endpoint (as an app's backend would mint them). It counts the tokens it
 * handed out.
 */
export class Embedder {
  readonly #server: Server;
  readonly #mint: () => Promise<string>;
  /** Tokens served by `/token` (the page's refresh requests). */
  tokensServed = 0;
  port = 0;

  private constructor(mint: () => Promise<string>) {
    this.#mint = mint;
    this.#server = createServer((req, res) => {
      void this.#handle(req.url ?? "/").then(
        ({ status, type, body }) => {
          res.writeHead(status, { "content-type": type, "cache-control": "no-store" });
          res.end(body);
        },
        (err: unknown) => {
          res.writeHead(500, { "content-type": "text/plain" });
          res.end(String(err));
        },
      );
    });
  }

  /** Starts the app's server on an ephemeral port; `mint` makes each token it hands out. */
  static async start(mint: () => Promise<string>): Promise<Embedder> {
    const e = new Embedder(mint);
    await new Promise<void>((resolve) => e.#server.listen(0, "127.0.0.1", resolve));
    e.port = (e.#server.address() as AddressInfo).port;
    return e;
  }

  get origin(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** The app's page embedding `heraldUrl` (`http://host:port/`), handing over `firstToken`. */
  pageUrl(heraldUrl: string, firstToken: string): string {
    const frame = `${heraldUrl}#token=${encodeURIComponent(firstToken)}&origin=${encodeURIComponent(this.origin)}`;
    return `${this.origin}/?frame=${encodeURIComponent(frame)}`;
  }

  async #handle(url: string): Promise<{ status: number; type: string; body: string }> {
    const u = new URL(url, this.origin);
    if (u.pathname === "/token") {
      const token = await this.#mint();
      this.tokensServed++;
      return { status: 200, type: "text/plain", body: token };
    }
    if (u.pathname !== "/") return { status: 404, type: "text/plain", body: "not found" };
    const frame = u.searchParams.get("frame") ?? "";
    const heraldOrigin = new URL(frame).origin;
    const html = `<!doctype html><html><head><title>Your app</title></head><body>
<h1>Your app</h1>
<iframe id="herald" title="Herald inbox" src="${frame.replace(/"/g, "&quot;")}" width="900" height="700"></iframe>
<script>
window.addEventListener("message", async (event) => {
  if (event.origin !== ${JSON.stringify(heraldOrigin)} || event.data?.type !== "herald:token-request") return;
  const token = await fetch("/token").then((r) => r.text());
  event.source.postMessage({ type: "herald:token", token }, event.origin);
});
</script></body></html>`;
    return { status: 200, type: "text/html; charset=utf-8", body: html };
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}
