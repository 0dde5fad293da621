import assert from "node:assert/strict";
import { createRequire } from "node:module";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { service as healthService } from "grpc-health-check";
import { POSTGRES } from "../../support/databases.js";
import { startTestHerald, startTestHeraldOnNewDatabase, type TestHeraldWithDatabase } from "../../support/herald.js";

const require = createRequire(import.meta.url);
const REFLECTION_PROTO_ROOT = path.resolve(path.dirname(require.resolve("@grpc/reflection")), "../proto");

interface HealthClient extends grpc.Client {
  check(req: { service: string }, cb: (err: grpc.ServiceError | null, res: { status: string }) => void): void;
}

function healthCheck(client: HealthClient, serviceName: string): Promise<string> {
  return new Promise((resolve, reject) => client.check({ service: serviceName }, (err, res) => (err ? reject(err) : resolve(res.status))));
}

interface ReflectionResponse {
  list_services_response?: { service: Array<{ name: string }> };
  file_descriptor_response?: { file_descriptor_proto: Buffer[] };
  error_response?: { error_code: number; error_message: string };
}

/** One request on a ServerReflectionInfo stream, as grpcurl does it. */
function reflect(port: number, version: "v1" | "v1alpha", request: Record<string, string>): Promise<ReflectionResponse> {
  const def = protoLoader.loadSync(`grpc/reflection/${version}/reflection.proto`, { includeDirs: [REFLECTION_PROTO_ROOT], keepCase: true });
  const pkg = grpc.loadPackageDefinition(def) as unknown as {
    grpc: { reflection: Record<string, { ServerReflection: grpc.ServiceClientConstructor }> };
  };
  const Ctor = pkg.grpc.reflection[version]!.ServerReflection;
  const client = new Ctor(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  return new Promise<ReflectionResponse>((resolve, reject) => {
    const call = (client as unknown as { ServerReflectionInfo(): grpc.ClientDuplexStream<object, ReflectionResponse> }).ServerReflectionInfo();
    call.on("data", (res: ReflectionResponse) => {
      resolve(res);
      call.end();
    });
    call.on("error", reject);
    call.on("end", () => client.close());
    call.write({ host: "", ...request });
  });
}

describe("health and reflection (on postgres)", () => {
  let node: TestHeraldWithDatabase;
  let health: HealthClient;

  before(async () => {
    node = await startTestHeraldOnNewDatabase(POSTGRES);
    const Health = grpc.makeClientConstructor(healthService, "grpc.health.v1.Health");
    health = new Health(`127.0.0.1:${node.grpcPort}`, grpc.credentials.createInsecure()) as unknown as HealthClient;
  });

  after(async () => {
    health?.close();
    await node?.stop();
  });

  test("grpc.health.v1.Health/Check answers SERVING for the server and for herald.v1.NotificationService", async () => {
    assert.equal(await healthCheck(health, ""), "SERVING");
    assert.equal(await healthCheck(health, "herald.v1.NotificationService"), "SERVING");
    await assert.rejects(healthCheck(health, "no.such.Service"), (err: grpc.ServiceError) => err.code === grpc.status.NOT_FOUND);
  });

  for (const version of ["v1", "v1alpha"] as const) {
    test(`server reflection (${version}) lists herald.v1.NotificationService and serves its descriptor`, async () => {
      const list = await reflect(node.grpcPort, version, { list_services: "*" });
      const names = list.list_services_response?.service.map((s) => s.name) ?? [];
      assert.ok(names.includes("herald.v1.NotificationService"), `services: ${names.join(", ")}`);
      assert.ok(names.includes("grpc.health.v1.Health"), `services: ${names.join(", ")}`);

      const file = await reflect(node.grpcPort, version, { file_containing_symbol: "herald.v1.NotificationService" });
      const protos = file.file_descriptor_response?.file_descriptor_proto ?? [];
      assert.ok(protos.length > 0, "descriptor for the service");
      const text = Buffer.concat(protos).toString("latin1");
      assert.match(text, /herald\.v1/);
      assert.match(text, /NotificationService/);
      assert.match(text, /SendNotifications/);
      assert.match(text, /OutgoingNotification/);
      // grpcurl-style tools build requests from these descriptors: field names must be the proto's.
      assert.match(text, /user_ids/, "reflection must describe fields by their proto names (user_ids), not camelCase");
      assert.doesNotMatch(text, /userIds/, "reflection must not rename fields to camelCase");

      const missing = await reflect(node.grpcPort, version, { file_containing_symbol: "no.such.Symbol" });
      assert.equal(missing.error_response?.error_code, grpc.status.NOT_FOUND);
    });
  }

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
