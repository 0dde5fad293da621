import { type Metadata, type sendUnaryData, type ServerUnaryCall, status } from "@grpc/grpc-js";
import type { ApiKeyVerifier } from "../../auth/api-keys.js";
import { type ErrorCode, HeraldError, toHeraldError } from "../../domain/errors.js";
import type { Metrics } from "../../metrics.js";

const GRPC_STATUS: Record<ErrorCode, status> = {
  cancelled: status.CANCELLED,
  unknown: status.UNKNOWN,
  invalid_argument: status.INVALID_ARGUMENT,
  deadline_exceeded: status.DEADLINE_EXCEEDED,
  not_found: status.NOT_FOUND,
  already_exists: status.ALREADY_EXISTS,
  permission_denied: status.PERMISSION_DENIED,
  resource_exhausted: status.RESOURCE_EXHAUSTED,
  failed_precondition: status.FAILED_PRECONDITION,
  aborted: status.ABORTED,
  out_of_range: status.OUT_OF_RANGE,
  unimplemented: status.UNIMPLEMENTED,
  internal: status.INTERNAL,
  unavailable: status.UNAVAILABLE,
  data_loss: status.DATA_LOSS,
  unauthenticated: status.UNAUTHENTICATED,
};

export interface UnaryContext {
  logError(err: unknown, method: string): void;
  apiKeys: ApiKeyVerifier;
  metrics?: Metrics;
}

/**
 * The one adapter between grpc-js callbacks and async handlers: checks the API
 * key, runs the handler, and calls the callback exactly once, mapping any
 * HeraldError to its gRPC status (anything else is INTERNAL, logged, not leaked).
 */
export function unary<Req, Res>(ctx: UnaryContext, method: string, handler: (req: Req, metadata: Metadata) => Promise<Res>) {
  return (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>): void => {
    let done = false;
    const started = performance.now();
    const finish = (err: HeraldError | null, res?: Res) => {
      if (done) return;
      done = true;
      ctx.metrics?.grpcRequests.inc({ method, code: err ? err.code : "ok" });
      ctx.metrics?.grpcDuration.observe({ method }, (performance.now() - started) / 1000);
      if (err) callback({ code: GRPC_STATUS[err.code], details: err.message, name: err.code, message: err.message });
      else callback(null, res);
    };
    // The server's authInterceptor refused keyless calls already; this keeps the handlers safe on their own.
    if (!ctx.apiKeys.verifyAuthorization(call.metadata.get("authorization")[0])) {
      finish(new HeraldError("unauthenticated", "missing or invalid API key (authorization: Bearer <key>)"));
      return;
    }
    handler(call.request, call.metadata).then(
      (res) => finish(null, res),
      (err: unknown) => {
        const e = toHeraldError(err);
        if (e.code === "internal") ctx.logError(err, method);
        finish(e);
      },
    );
  };
}
