import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "vitest";
import { closeAction, CloseCode } from "../../../../src/transport/session/close-codes.js";

const RECONNECT = ["shutdown", "heartbeatTimeout", "slowConsumer", "disconnected", "tokenExpired", "resyncFailed", "connectRate"] as const;

test("close codes: the number alone says reconnect or stop, in Centrifuge's ranges", () => {
  for (const name of RECONNECT) assert.equal(closeAction(CloseCode[name]), "reconnect", name);
  const terminal = Object.keys(CloseCode).filter((k) => !(RECONNECT as readonly string[]).includes(k)) as Array<keyof typeof CloseCode>;
  for (const name of terminal) assert.equal(closeAction(CloseCode[name]), "stop", name);
  // Centrifuge's ranges, and the standard codes a client sees on a network drop.
  for (const [code, action] of [
    [3000, "reconnect"],
    [3499, "reconnect"],
    [3500, "stop"],
    [3999, "stop"],
    [4000, "reconnect"],
    [4499, "reconnect"],
    [4500, "stop"],
    [4999, "stop"],
    [1000, "reconnect"],
    [1006, "reconnect"],
    [1009, "stop"],
  ] as const)
    assert.equal(closeAction(code), action, String(code));
});

test("close codes: docs/protocol.md has a row for every code Herald sends", () => {
  const doc = readFileSync(new URL("../../../../docs/protocol.md", import.meta.url), "utf8");
  for (const [name, code] of Object.entries(CloseCode)) {
    const row = new RegExp(`^\\| ${code} \\| [^|]+\\|`, "m").exec(doc);
    assert.ok(row, `docs/protocol.md has a row for ${code} (${name})`);
  }
});
