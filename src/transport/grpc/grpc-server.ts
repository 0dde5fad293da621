import { Server, ServerCredentials, type status } from "@grpc/grpc-js";
import { HealthImplementation } from "grpc-health-check";
import type { ApiKeyVerifier } from "../../auth/api-keys.js";
import type { GrpcConfig } from "../../config.js";
import { FILE_DESCRIPTOR_SET_BASE64 } from "../../../gen/file_descriptor_set.js";
import { NotificationServiceService, type NotificationServiceServer } from "../../../gen/herald/v1/notification_service.js";
import { RoomServiceService } from "../../../gen/herald/v1/room_service.js";
import type { RoomService } from "../../domain/room-service.js";
import type { Metrics } from "../../metrics.js";
import { authInterceptor } from "./auth-interceptor.js";
import { ConnectionGuard } from "./connection-guard.js";
import { DescriptorIndex } from "./descriptor-index.js";
import { REFLECTION_SERVICE_NAMES, ReflectionService } from "./reflection-service.js";
import { roomServiceHandlers } from "./room-service.js";

export const NOTIFICATION_SERVICE_NAME = "herald.v1.NotificationService";
export const ROOM_SERVICE_NAME = "herald.v1.RoomService";
const HEALTH_SERVICE_NAME = "grpc.health.v1.Health";

/** The files server reflection serves (with their imports), as named under proto/. */
const REFLECTED_FILES = [
  "herald/v1/notification_service.proto",
  "herald/v1/room_service.proto",
  "grpc/health/v1/health.proto",
  "grpc/reflection/v1/reflection.proto",
  "grpc/reflection/v1alpha/reflection.proto",
];

/**
 * The gRPC server: NotificationService, RoomService (when given the domain's
 * rooms), the standard health service and server reflection (so grpcurl-style
 * tools work without the .proto files).
 *
 * Every service but health needs the API key, checked at the call's headers before
 * any of its message is read (see authInterceptor). Connections are capped and must
 * send the HTTP/2 preface in time (see ConnectionGuard); each may carry at most
 * `maxConcurrentStreams` calls; keepalive pings, an idle limit and an age limit close
 * dead, idle and old connections.
 */
export class GrpcServer {
  readonly #server: Server;
  readonly #health: HealthImplementation;
  readonly #guard: ConnectionGuard;
  readonly #host: string;
  readonly #port: number;
  /** The herald.v1 services this server serves (health reports each). */
  readonly #services: string[];
  #boundPort = 0;

  constructor(options: {
    host: string;
    port: number;
    maxMessageBytes: number;
    limits: GrpcConfig;
    apiKeys: ApiKeyVerifier;
    handlers: NotificationServiceServer;
    /** herald.v1.RoomService over these rooms (not served without). */
    rooms?: { service: RoomService; logError: (err: unknown, method: string) => void; metrics?: Metrics };
    /** Called for each call or connection refused before reaching a handler (for metrics). */
    onRefused?: (what: { path: string; code: status } | { connection: "limit" | "preface" | "timeout" }) => void;
    /** Called for an error of the listener (it keeps serving). */
    onError?: (err: Error) => void;
  }) {
    const { limits } = options;
    this.#host = options.host;
    this.#port = options.port;
    this.#server = new Server({
      "grpc.max_receive_message_length": options.maxMessageBytes,
      "grpc.max_send_message_length": options.maxMessageBytes,
      "grpc.max_concurrent_streams": limits.maxConcurrentStreams,
      "grpc.keepalive_time_ms": limits.keepaliveTimeMs,
      "grpc.keepalive_timeout_ms": limits.keepaliveTimeoutMs,
      "grpc.keepalive_permit_without_calls": 1,
      "grpc.max_connection_idle_ms": limits.maxConnectionIdleMs,
      ...(limits.maxConnectionAgeMs > 0 && {
        "grpc.max_connection_age_ms": limits.maxConnectionAgeMs,
        "grpc.max_connection_age_grace_ms": limits.maxConnectionAgeGraceMs,
      }),
      interceptors: [
        authInterceptor({
          apiKeys: options.apiKeys,
          openServices: [HEALTH_SERVICE_NAME],
          maxUnauthenticatedCalls: limits.maxUnauthenticatedCalls,
          receiveTimeoutMs: limits.handshakeTimeoutMs,
          onRefused: (path, code) => options.onRefused?.({ path, code }),
        }),
      ],
    });
    this.#server.addService(NotificationServiceService, options.handlers);
    this.#services = [NOTIFICATION_SERVICE_NAME];
    if (options.rooms) {
      const { service, logError, metrics } = options.rooms;
      this.#server.addService(RoomServiceService, roomServiceHandlers({ rooms: service, apiKeys: options.apiKeys, logError, metrics }));
      this.#services.push(ROOM_SERVICE_NAME);
    }
    this.#health = new HealthImplementation({ "": "NOT_SERVING", ...Object.fromEntries(this.#services.map((s) => [s, "NOT_SERVING"])) });
    this.#health.addToServer(this.#server);
    const index = new DescriptorIndex({ fileDescriptorSet: Buffer.from(FILE_DESCRIPTOR_SET_BASE64, "base64"), roots: REFLECTED_FILES });
    new ReflectionService({ index, services: [...this.#services, HEALTH_SERVICE_NAME, ...REFLECTION_SERVICE_NAMES] }).addToServer(
      this.#server,
    );
    this.#guard = new ConnectionGuard({
      injector: this.#server.createConnectionInjector(ServerCredentials.createInsecure()),
      maxConnections: limits.maxConnections,
      handshakeTimeoutMs: limits.handshakeTimeoutMs,
      onRefused: (connection) => options.onRefused?.({ connection }),
      onError: options.onError,
    });
  }

  /** Binds and starts serving; returns the bound port (useful with port 0). */
  async start(): Promise<number> {
    this.#boundPort = await this.#guard.listen(this.#host, this.#port);
    this.setServing(true);
    return this.#boundPort;
  }

  setServing(serving: boolean): void {
    const s = serving ? "SERVING" : "NOT_SERVING";
    this.#health.setStatus("", s);
    for (const name of this.#services) this.#health.setStatus(name, s);
  }

  /** Stops accepting calls and waits up to `graceMs` for running ones, then cancels them. */
  async stop(graceMs: number): Promise<void> {
    this.setServing(false);
    const closed = this.#guard.close();
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
    await closed;
  }
}
