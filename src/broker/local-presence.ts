import type { PresenceDirectory } from "../domain/ports.js";

/** The presence of a single node: there are no other nodes, so none holds a connection. */
export class LocalPresence implements PresenceDirectory {
  async remoteConnectionCount(): Promise<number> {
    return 0;
  }

  provide(): void {}
}
