import type { PresenceDirectory } from "../domain/ports.js";

/** The presence of a single node: there are no other nodes, so only this node's connections count. */
export class LocalPresence implements PresenceDirectory {
  #count: (userId: string) => number = () => 0;

  async remoteConnectionCount(): Promise<number> {
    return 0;
  }

  async connectedAmong(userIds: string[]): Promise<Set<string>> {
    return new Set(userIds.filter((u) => this.#count(u) > 0));
  }

  provide(count: (userId: string) => number): void {
    this.#count = count;
  }
}
