import net from "node:net";

/**
 * A TCP proxy to a real server, to simulate it going away and coming back:
 * `stop()` closes the listener and destroys every proxied connection (as if
 * the server had died), `start()` listens again on the same port.
 */
export class TcpProxy {
  readonly #target: { host: string; port: number };
  readonly #sockets = new Set<net.Socket>();
  readonly #pairs = new Set<[net.Socket, net.Socket]>();
  #server: net.Server | undefined;
  #frozen = false;
  #port = 0;
  /** Connections accepted since creation. */
  accepted = 0;

  constructor(target: { host: string; port: number }) {
    this.#target = target;
  }

  get port(): number {
    return this.#port;
  }

  get listening(): boolean {
    return this.#server !== undefined;
  }

  /** Listens (first time: on an ephemeral port; later: on the same port). Returns the port. */
  async start(): Promise<number> {
    if (this.#server) return this.#port;
    this.#frozen = false;
    const server = net.createServer((client) => {
      this.accepted++;
      if (this.#frozen) {
        // A hung server: the connection is accepted and then nothing ever comes back.
        this.#sockets.add(client);
        client.on("error", () => client.destroy()).on("close", () => this.#sockets.delete(client));
        client.pause();
        return;
      }
      const upstream = net.connect(this.#target.port, this.#target.host);
      this.#sockets.add(client);
      this.#sockets.add(upstream);
      const drop = () => {
        client.destroy();
        upstream.destroy();
        this.#sockets.delete(client);
        this.#sockets.delete(upstream);
      };
      client.on("error", drop).on("close", drop);
      upstream.on("error", drop).on("close", drop);
      client.pipe(upstream);
      upstream.pipe(client);
      const pair: [net.Socket, net.Socket] = [client, upstream];
      this.#pairs.add(pair);
      client.on("close", () => this.#pairs.delete(pair));
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.#port, "127.0.0.1", () => {
        server.off("error", reject);
        resolve();
      });
    });
    this.#server = server;
    this.#port = (server.address() as net.AddressInfo).port;
    return this.#port;
  }

  /**
   * Simulates a hung server or a silent network: nothing is forwarded any more
   * on open connections, and new connections are accepted but never answered.
   * `stop()` then `start()` ends it.
   */
  freeze(): void {
    this.#frozen = true;
    for (const [client, upstream] of this.#pairs) {
      client.unpipe(upstream);
      upstream.unpipe(client);
      client.pause();
      upstream.pause();
    }
  }

  /** Stops listening and kills every proxied connection. */
  async stop(): Promise<void> {
    const server = this.#server;
    if (!server) return;
    this.#server = undefined;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const s of this.#sockets) s.destroy();
    this.#sockets.clear();
    this.#pairs.clear();
    await closed;
  }
}

/**
 * A started TcpProxy in front of the Postgres server of `databaseUrl`, and
 * `url`: that database's URL through the proxy.
 */
export async function proxyToPostgres(databaseUrl: string): Promise<{ proxy: TcpProxy; url: string }> {
  const target = new URL(databaseUrl);
  const proxy = new TcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
  const viaProxy = new URL(databaseUrl);
  viaProxy.host = `127.0.0.1:${await proxy.start()}`;
  return { proxy, url: viaProxy.toString() };
}
