import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, test } from "vitest";
import { type Authenticator, nkeys } from "nats";
import { ConfigError, loadConfig } from "../../src/config.js";
import { configFails, PRODUCTION_ENV } from "../support/config-checks.js";
import { hasCredentials, natsAuthOptions } from "../../src/broker/nats-auth.js";

const fails = configFails;
const PROD = PRODUCTION_ENV;

describe("NATS credentials in the config", () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "herald-nats-config-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, text: string) => {
    const p = path.join(dir, name);
    writeFileSync(p, text);
    return p;
  };

  test("user:password and token in NATS_URL are taken out of the URLs (percent-decoded) into connect options", () => {
    const c = loadConfig({ NATS_URL: "nats://herald:p%40ss%3Aword@a:4222, nats://herald:p%40ss%3Aword@b:4222,c:4222" });
    assert.deepEqual(c.natsServers, ["nats://a:4222", "nats://b:4222", "c:4222"]);
    assert.equal(c.nats.user, "herald");
    assert.equal(c.nats.password, "p@ss:word");
    assert.deepEqual(natsAuthOptions(c.nats), { user: "herald", pass: "p@ss:word" });

    const t = loadConfig({ NATS_URL: "tls://s3cr3t-token@[::1]:4222" });
    assert.deepEqual(t.natsServers, ["tls://[::1]:4222"]);
    assert.equal(t.nats.token, "s3cr3t-token");
    assert.deepEqual(t.nats.tls, { caFile: "", certFile: "", keyFile: "" }, "tls:// requires TLS");
  });

  test("the variables: user and password, token, NKey seed file, .creds file, TLS files", () => {
    const up = loadConfig({ NATS_URL: "nats://a:4222", HERALD_NATS_USER: "u", HERALD_NATS_PASSWORD: "p" });
    assert.deepEqual(natsAuthOptions(up.nats), { user: "u", pass: "p" });
    const tok = loadConfig({ NATS_URL: "nats://a:4222", HERALD_NATS_TOKEN: "t0k" });
    assert.deepEqual(natsAuthOptions(tok.nats), { token: "t0k" });

    const user = nkeys.createUser();
    const seedFile = file("user.nk", `${new TextDecoder().decode(user.getSeed())}\n`);
    const nk = natsAuthOptions(loadConfig({ NATS_URL: "nats://a:4222", HERALD_NATS_NKEY_SEED_FILE: seedFile }).nats);
    const signed = (nk.authenticator as Authenticator)("nonce-1") as { nkey: string; sig: string };
    assert.equal(signed.nkey, user.getPublicKey(), "the authenticator presents the seed's public key");
    assert.ok(user.verify(new TextEncoder().encode("nonce-1"), nkeys.decode(signed.sig)), "and signs the server's nonce with it");

    const ca = file("ca.pem", "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n");
    const tls = natsAuthOptions(
      loadConfig({ NATS_URL: "nats://a:4222", HERALD_NATS_TLS_CA_FILE: ca, HERALD_NATS_TLS_CERT_FILE: ca, HERALD_NATS_TLS_KEY_FILE: ca })
        .nats,
    );
    assert.deepEqual(Object.keys(tls.tls!).sort(), ["ca", "cert", "key"]);
    assert.equal(hasCredentials(tls), true, "a client certificate authenticates");
    assert.equal(
      hasCredentials(natsAuthOptions(loadConfig({ NATS_URL: "nats://a:4222", HERALD_NATS_TLS_CA_FILE: ca }).nats)),
      false,
      "TLS alone does not",
    );
  });

  test("unreadable or malformed credential files stop the start naming their variable", () => {
    const bad = (env: Record<string, string>, variable: string, detail: RegExp) =>
      assert.throws(
        () => natsAuthOptions(loadConfig({ NATS_URL: "nats://a:4222", ...env }).nats),
        (err: unknown) => {
          assert.ok(err instanceof ConfigError && err.message.startsWith(`${variable}: `), String(err));
          assert.match(err.message, detail);
          return true;
        },
      );
    bad({ HERALD_NATS_NKEY_SEED_FILE: path.join(dir, "missing.nk") }, "HERALD_NATS_NKEY_SEED_FILE", /ENOENT/);
    bad({ HERALD_NATS_NKEY_SEED_FILE: file("junk.nk", "not a seed") }, "HERALD_NATS_NKEY_SEED_FILE", /seed/);
    const accountSeed = new TextDecoder().decode(nkeys.createAccount().getSeed());
    bad({ HERALD_NATS_NKEY_SEED_FILE: file("account.nk", accountSeed) }, "HERALD_NATS_NKEY_SEED_FILE", /user seed/);
    bad({ HERALD_NATS_CREDS_FILE: file("junk.creds", "hello") }, "HERALD_NATS_CREDS_FILE", /\.creds/);
    bad({ HERALD_NATS_TLS_CA_FILE: path.join(dir, "missing.pem") }, "HERALD_NATS_TLS_CA_FILE", /ENOENT/);
  });

  test("ambiguous or incomplete credentials fail fast naming the variable, never quoting the secret", () => {
    fails({ NATS_URL: "nats://a:4222", HERALD_NATS_USER: "u" }, "HERALD_NATS_PASSWORD", /go together/);
    fails({ NATS_URL: "nats://a:4222", HERALD_NATS_PASSWORD: "p" }, "HERALD_NATS_USER", /go together/);
    fails(
      { NATS_URL: "nats://a:4222", HERALD_NATS_TOKEN: "t", HERALD_NATS_CREDS_FILE: "/x.creds" },
      "HERALD_NATS_CREDS_FILE",
      /one NATS authentication method/,
    );
    fails({ NATS_URL: "nats://u:p@a:4222", HERALD_NATS_TOKEN: "t" }, "HERALD_NATS_TOKEN", /NATS_URL carries credentials/);
    fails({ NATS_URL: "nats://u:p@a:4222,nats://u:q@b:4222" }, "NATS_URL", /same ones/);
    fails({ NATS_URL: "nats://:secret-pw@a:4222" }, "NATS_URL", /without a user/);
    fails({ NATS_URL: "nats://%zz@a:4222" }, "NATS_URL", /percent-encoding/);
    fails({ NATS_URL: "http://u:secret-pw@a:4222" }, "NATS_URL", /^NATS_URL: not a NATS server address: http:\/\/a:4222$/);
    fails({ NATS_URL: "nats://a:4222", HERALD_NATS_TLS_CERT_FILE: "/c.pem" }, "HERALD_NATS_TLS_KEY_FILE", /go together/);
    fails({ HERALD_NATS_TOKEN: "t" }, "HERALD_NATS_TOKEN", /NATS_URL is not/);
    fails({ HERALD_NATS_INSECURE: "perhaps" }, "HERALD_NATS_INSECURE");
  });

  test("production refuses a NATS without credentials unless HERALD_NATS_INSECURE=true", () => {
    fails({ ...PROD, NATS_URL: "nats://a:4222" }, "NATS_URL", /production needs NATS credentials.*HERALD_NATS_INSECURE=true/);
    fails({ ...PROD, NATS_URL: "nats://a:4222", HERALD_NATS_TLS_CA_FILE: "/ca.pem" }, "NATS_URL", /production needs NATS credentials/);
    assert.deepEqual(loadConfig({ ...PROD, NATS_URL: "nats://a:4222", HERALD_NATS_INSECURE: "true" }).natsServers, ["nats://a:4222"]);
    assert.equal(loadConfig({ ...PROD, NATS_URL: "nats://u:p@a:4222" }).nats.user, "u");
    assert.equal(loadConfig({ ...PROD, NATS_URL: "nats://a:4222", HERALD_NATS_TOKEN: "t" }).nats.token, "t");
    assert.equal(loadConfig({ ...PROD, NATS_URL: "nats://a:4222", HERALD_NATS_CREDS_FILE: "/x.creds" }).nats.credsFile, "/x.creds");
    assert.equal(
      loadConfig({ ...PROD, NATS_URL: "nats://a:4222", HERALD_NATS_TLS_CERT_FILE: "/c", HERALD_NATS_TLS_KEY_FILE: "/k" }).nats.tls
        ?.certFile,
      "/c",
    );
    assert.equal(loadConfig(PROD).natsServers.length, 0, "one node with in-process fan-out needs no NATS at all");
    assert.equal(loadConfig({ NATS_URL: "nats://a:4222" }).natsServers.length, 1, "development accepts it (with a warning at start)");
  });
});
