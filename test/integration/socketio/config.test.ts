import assert from "node:assert/strict";
import { describe, test } from "vitest";
import { DEV_API_KEY, loadConfig } from "../../../src/config.js";
import { configFails, PRODUCTION_ENV } from "../../support/config-checks.js";

describe("Socket.IO configuration (fails fast, naming the variable)", () => {
  test("defaults: on, /socket.io/, the seeds' namespaces, no publishable key", () => {
    const c = loadConfig({}).socketIo;
    assert.equal(c.enabled, true);
    assert.equal(c.path, "/socket.io/");
    assert.deepEqual(c.namespaces, ["/", "/notifications", "/api/notifications"]);
    assert.deepEqual(c.publishableKeys, [], "MinChat's apiKey mode is off unless configured");
    assert.deepEqual(loadConfig(PRODUCTION_ENV).socketIo.publishableKeys, []);
  });

  test("publishable keys: long enough, and never a backend API key", () => {
    assert.deepEqual(loadConfig({ HERALD_SOCKETIO_PUBLISHABLE_KEYS: "pk_0123456789abcdef" }).socketIo.publishableKeys, [
      "pk_0123456789abcdef",
    ]);
    configFails({ HERALD_SOCKETIO_PUBLISHABLE_KEYS: "short" }, "HERALD_SOCKETIO_PUBLISHABLE_KEYS", /at least 16/);
    configFails({ HERALD_SOCKETIO_PUBLISHABLE_KEYS: DEV_API_KEY }, "HERALD_SOCKETIO_PUBLISHABLE_KEYS", /backend API key/);
    configFails(
      { ...PRODUCTION_ENV, HERALD_SOCKETIO_PUBLISHABLE_KEYS: PRODUCTION_ENV.HERALD_API_KEYS },
      "HERALD_SOCKETIO_PUBLISHABLE_KEYS",
      /backend API key/,
    );
  });

  test("path, namespaces and type codes are checked", () => {
    assert.equal(loadConfig({ HERALD_SOCKETIO_PATH: "/rt/" }).socketIo.path, "/rt/");
    configFails({ HERALD_SOCKETIO_PATH: "/" }, "HERALD_SOCKETIO_PATH");
    configFails({ HERALD_SOCKETIO_PATH: "no-slash" }, "HERALD_SOCKETIO_PATH");
    configFails({ HERALD_SOCKETIO_NAMESPACES: "notifications" }, "HERALD_SOCKETIO_NAMESPACES");
    assert.deepEqual(loadConfig({ HERALD_SOCKETIO_TYPE_CODES: "1:like, 2=follow" }).socketIo.typeByCode, { 1: "like", 2: "follow" });
    configFails({ HERALD_SOCKETIO_TYPE_CODES: "like" }, "HERALD_SOCKETIO_TYPE_CODES");
    configFails({ HERALD_SOCKETIO_ENABLED: "maybe" }, "HERALD_SOCKETIO_ENABLED");
  });
});
