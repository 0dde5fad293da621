import { fileURLToPath } from "node:url";
import path from "node:path";
import { Server, ServerCredentials } from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { ReflectionService } from "@grpc/reflection";
import { HealthImplementation, protoPath as healthProtoPath } from "grpc-health-check";
import { NotificationServiceService, type NotificationServiceServer } from "../../../gen/herald/v1/notification_service.js";

const PROTO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../proto");
export const NOTIFICATION_SERVICE_NAME = "herald.v1.NotificationService";

/**
 * The gRPC server: NotificationService, the standard health service and
 * server reflection (so grpcurl-style tools work without the .proto files).
 */
export class GrpcServer {
  readonly #server: Server;
  readonly #health: HealthImplementation;
  readonly #host: string;
  readonly #port: number;
  #boundPort = 0;

  constructor(options: { host: string; port: number; maxMessageBytes: number; handlers: NotificationServiceServer }) {
    this.#host = options.host;
    this.#port = options.port;
    this.#server = new Server({
      "grpc.max_receive_message_length": options.maxMessageBytes,
      "grpc.max_send_message_length": options.maxMessageBytes,
      "grpc.keepalive_permit_without_calls": 1,
    });
    this.#server.addService(NotificationServiceService, options.handlers);
    this.#health = new HealthImplementation({ "": "NOT_SERVING", [NOTIFICATION_SERVICE_NAME]: "NOT_SERVING" });
    this.#health.addToServer(this.#server);
    const pkg = protoLoader.loadSync(
      [path.join(PROTO_ROOT, "herald/v1/notification_service.proto"), healthProtoPath],
      // keepCase: reflection must describe fields by their proto names (user_ids), as grpcurl sends them.
      { keepCase: true, includeDirs: [PROTO_ROOT, path.resolve(path.dirname(healthProtoPath), "../..")] },
    );
    new ReflectionService(pkg).addToServer(this.#server);
  }

  /** Binds and starts serving; returns the bound port (useful with port 0). */
  async start(): Promise<number> {
    this.#boundPort = await new Promise<number>((resolve, reject) =>
      this.#server.bindAsync(`${this.#host}:${this.#port}`, ServerCredentials.createInsecure(), (err, port) =>
        err ? reject(err) : resolve(port),
      ),
    );
    this.setServing(true);
    return this.#boundPort;
  }

  get port(): number {
    return this.#boundPort;
  }

  setServing(serving: boolean): void {
    const s = serving ? "SERVING" : "NOT_SERVING";
    this.#health.setStatus("", s);
    this.#health.setStatus(NOTIFICATION_SERVICE_NAME, s);
  }

  /** Stops accepting calls and waits up to `graceMs` for running ones, then cancels them. */
  async stop(graceMs: number): Promise<void> {
    this.setServing(false);
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.#server.forceShutdown();
        resolve();
      }, graceMs);
      this.#server.tryShutdown(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}
