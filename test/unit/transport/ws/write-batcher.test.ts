import assert from "node:assert/strict";
import net from "node:net";
import { once } from "node:events";
import { setImmediate as nextTurn } from "node:timers/promises";
import { afterAll, beforeAll, test } from "vitest";
import { BUSY_TURN_FRAMES, WriteBatcher } from "../../../../src/transport/ws/write-batcher.js";

let server: net.Server;
let client: net.Socket;
let peer: net.Socket;

beforeAll(async () => {
  server = net.createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const accepted = once(server, "connection");
  client = net.connect((server.address() as net.AddressInfo).port, "127.0.0.1");
  await once(client, "connect");
  [peer] = (await accepted) as [net.Socket];
});
afterAll(() => {
  client?.destroy();
  peer?.destroy();
  server?.close();
});

/** Everything the peer receives until `bytes` bytes have come. */
async function receive(bytes: number): Promise<string> {
  let got = "";
  for await (const chunk of peer) {
    got += chunk.toString();
    if (got.length >= bytes) return got;
  }
  return got;
}

test("frames written to a socket in one turn are held together and on the wire, in order, once the turn ends", async () => {
  const batcher = new WriteBatcher();
  const received = receive(9);
  for (const frame of ["one", "two", "six"]) {
    batcher.hold(client);
    client.write(frame);
  }
  assert.equal(client.writableCorked, 1, "held once however many frames");
  assert.equal(client.writableLength, 9, "nothing written yet");
  await nextTurn();
  assert.equal(client.writableCorked, 0, "released at the end of the turn");
  assert.equal(await received, "onetwosix");

  // The next turn holds again.
  batcher.hold(client);
  assert.equal(client.writableCorked, 1);
  batcher.flush();
  assert.equal(client.writableCorked, 0);
});

test("a turn that has written BUSY_TURN_FRAMES frames at once is busy: the rest of the turn is held; the next turn starts afresh", async () => {
  const batcher = new WriteBatcher();
  const answers = Array.from({ length: BUSY_TURN_FRAMES + 3 }, () => batcher.mayWriteNow());
  assert.equal(answers.filter(Boolean).length, BUSY_TURN_FRAMES);
  assert.deepEqual(answers.slice(BUSY_TURN_FRAMES), [false, false, false]);
  await nextTurn();
  assert.equal(batcher.mayWriteNow(), true, "a new turn writes at once again");
});
