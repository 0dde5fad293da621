import assert from "node:assert/strict";
import { afterAll, beforeAll, describe, test } from "vitest";
import * as grpc from "@grpc/grpc-js";
import { service as healthService } from "grpc-health-check";
import { POSTGRES } from "../../support/databases.js";
import { listAll } from "../../support/grpc.js";
import { dynamicUnaryCall, ReflectionClient, type ReflectionError } from "../../support/reflection-client.js";
import { startTestHerald, startTestHeraldOnNewDatabase, type TestHeraldWithDatabase } from "../../support/herald.js";

interface HealthClient extends grpc.Client {
  check(req: { service: string }, cb: (err: grpc.ServiceError | null, res: { status: string }) => void): void;
}

function healthCheck(client: HealthClient, serviceName: string): Promise<string> {
  return new Promise((resolve, reject) => client.check({ service: serviceName }, (err, res) => (err ? reject(err) : resolve(res.status))));
}

const SERVICE_FILE = "herald/v1/notification_service.proto";

describe("health and reflection (on postgres)", () => {
  let node: TestHeraldWithDatabase;
  let health: HealthClient;
  let address: string;
  const withKey = () => {
    const md = new grpc.Metadata();
    md.set("authorization", `Bearer ${node.apiKey}`);
    return md;
  };

  beforeAll(async () => {
    node = await startTestHeraldOnNewDatabase(POSTGRES);
    address = `127.0.0.1:${node.grpcPort}`;
    const Health = grpc.makeClientConstructor(healthService, "grpc.health.v1.Health");
    health = new Health(address, grpc.credentials.createInsecure()) as unknown as HealthClient;
  });

  afterAll(async () => {
    health?.close();
    await node?.stop();
  });

  test("grpc.health.v1.Health/Check answers SERVING for the server and for herald.v1.NotificationService, without an API key", async () => {
    assert.equal(await healthCheck(health, ""), "SERVING");
    assert.equal(await healthCheck(health, "herald.v1.NotificationService"), "SERVING");
    await assert.rejects(healthCheck(health, "no.such.Service"), (err: grpc.ServiceError) => err.code === grpc.status.NOT_FOUND);
  });

  for (const version of ["v1", "v1alpha"] as const) {
    test(`reflection ${version}, grpcurl-style by symbol: real files with their imports make a descriptor pool that calls SendNotifications and GetUnreadCount`, async () => {
      const refl = new ReflectionClient(address, version, withKey());
      try {
        const services = await refl.listServices();
        for (const s of ["herald.v1.NotificationService", "grpc.health.v1.Health", `grpc.reflection.${version}.ServerReflection`])
          assert.ok(services.includes(s), `list_services: ${services.join(", ")}`);

        const files = await refl.fetchFiles({ file_containing_symbol: "herald.v1.NotificationService" });
        assert.equal(files[0]?.name, SERVICE_FILE, "the file declaring the service comes first, named as under proto/");
        assert.deepEqual(
          [...files[0]!.dependency].sort(),
          ["google/protobuf/struct.proto", "google/protobuf/timestamp.proto", "herald/v1/notification.proto"],
          "the service file declares its imports",
        );
        await refl.resolveImports();
        assert.deepEqual([...refl.files.keys()].sort(), [
          "google/protobuf/struct.proto",
          "google/protobuf/timestamp.proto",
          "herald/v1/notification.proto",
          SERVICE_FILE,
        ]);

        const pool = refl.pool(SERVICE_FILE);
        const struct = pool.getMessage("google.protobuf.Struct");
        assert.equal(struct?.field.fields?.fieldKind, "map", "Struct.fields is a map (entry FieldsEntry)");
        assert.equal(pool.getMessage("herald.v1.OutgoingNotification")?.field.userIds?.name, "user_ids");

        const user = `reflection-${version}`;
        const sent = (await dynamicUnaryCall(
          pool,
          address,
          "herald.v1.NotificationService",
          "SendNotifications",
          {
            notifications: [
              {
                userIds: [user],
                code: 7,
                subject: "via reflection",
                content: { k: "v", n: 2 },
                persistent: true,
                idempotencyKey: `refl-${version}`,
              },
            ],
          },
          withKey(),
        )) as { results: Array<{ userId: string; seq: string }> };
        assert.equal(sent.results.length, 1);
        assert.equal(sent.results[0]!.userId, user);

        const count = (await dynamicUnaryCall(
          pool,
          address,
          "herald.v1.NotificationService",
          "GetUnreadCount",
          { userId: user },
          withKey(),
        )) as {
          unreadCount?: number;
        };
        assert.equal(count.unreadCount, 1);
        const stored = await listAll(node.rpc, user);
        assert.equal(stored.length, 1);
        assert.equal(stored[0]!.subject, "via reflection");
        assert.deepEqual(stored[0]!.content, { k: "v", n: 2 });

        // Every listed service resolves into a pool (as `grpcurl describe` needs).
        for (const s of services) {
          const [file] = await refl.fetchFiles({ file_containing_symbol: s });
          await refl.resolveImports();
          assert.ok(refl.pool(file!.name).getService(s), `${s} in the pool of ${file!.name}`);
        }
        // And a method, a nested type and a field are symbols too.
        assert.equal(
          (await refl.fetchFiles({ file_containing_symbol: "herald.v1.NotificationService.SendNotifications" }))[0]?.name,
          SERVICE_FILE,
        );
        assert.equal(
          (await refl.fetchFiles({ file_containing_symbol: "google.protobuf.Struct.FieldsEntry" }))[0]?.name,
          "google/protobuf/struct.proto",
        );

        await assert.rejects(
          refl.fetchFiles({ file_containing_symbol: "no.such.Symbol" }),
          (e: ReflectionError) => e.code === grpc.status.NOT_FOUND,
        );
        await assert.rejects(
          refl.fetchFiles({ file_by_filename: "no/such.proto" }),
          (e: ReflectionError) => e.code === grpc.status.NOT_FOUND,
        );
      } finally {
        refl.close();
      }
    });

    test(`reflection ${version} by file name: ${SERVICE_FILE} and its imports make a pool; health is callable through it`, async () => {
      const refl = new ReflectionClient(address, version, withKey());
      try {
        const files = await refl.fetchFiles({ file_by_filename: SERVICE_FILE });
        assert.equal(files[0]?.name, SERVICE_FILE);
        const struct = await refl.fetchFiles({ file_by_filename: "google/protobuf/struct.proto" });
        assert.equal(struct[0]?.name, "google/protobuf/struct.proto");
        assert.ok(
          struct[0]?.messageType.find((m) => m.name === "Struct")?.nestedType.some((n) => n.name === "FieldsEntry" && n.options?.mapEntry),
        );
        await refl.resolveImports();
        const pool = refl.pool(SERVICE_FILE);
        const count = (await dynamicUnaryCall(
          pool,
          address,
          "herald.v1.NotificationService",
          "GetUnreadCount",
          { userId: "nobody" },
          withKey(),
        )) as {
          unreadCount?: number;
        };
        assert.equal(count.unreadCount ?? 0, 0);

        const [healthFile] = await refl.fetchFiles({ file_by_filename: "grpc/health/v1/health.proto" });
        const healthPool = refl.pool(healthFile!.name);
        const res = (await dynamicUnaryCall(
          healthPool,
          address,
          "grpc.health.v1.Health",
          "Check",
          { service: "" },
          new grpc.Metadata(),
        )) as {
          status: string;
        };
        assert.equal(res.status, "SERVING");
      } finally {
        refl.close();
      }
    });
  }

  test("reflection, like every service but health, needs the API key", async () => {
    const refl = new ReflectionClient(address, "v1");
    try {
      await assert.rejects(refl.listServices(), (e: grpc.ServiceError) => e.code === grpc.status.UNAUTHENTICATED);
    } finally {
      refl.close();
    }
  });

  test("a stopped node no longer answers health checks", async () => {
    const other = await startTestHerald(node.db);
    const Health = grpc.makeClientConstructor(healthService, "grpc.health.v1.Health");
    const c = new Health(`127.0.0.1:${other.grpcPort}`, grpc.credentials.createInsecure()) as unknown as HealthClient;
    try {
      assert.equal(await healthCheck(c, ""), "SERVING");
      await other.stop();
      await assert.rejects(healthCheck(c, ""), "a stopped node answers no health check");
    } finally {
      c.close();
      await other.stop();
    }
  });
});
