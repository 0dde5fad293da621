import {
  type Metadata,
  type ServerInterceptingCallInterface,
  type ServerInterceptor,
  type ServerMethodDefinition,
  ServerInterceptingCall,
  status,
} from "@grpc/grpc-js";
import type { ApiKeyVerifier } from "../../auth/api-keys.js";

/** What {@link authInterceptor} checks calls against. */
export interface AuthInterceptorOptions {
  apiKeys: ApiKeyVerifier;
  /** Fully-qualified service names callable without an API key. */
  openServices: readonly string[];
  maxUnauthenticatedCalls: number;
  receiveTimeoutMs: number;
  /** Called for every call refused here, with its method path and gRPC status. */
  onRefused?: (path: string, code: status) => void;
}

type Method = ServerMethodDefinition<unknown, unknown>;

/** Ends a call with a status, reporting it as refused. */
type Refuse = (call: ServerInterceptingCall, path: string, code: status, details: string) => void;

/** A call that needs `authorization: Bearer <API key>`: ends UNAUTHENTICATED at its headers without one. */
function authenticatedCall(method: Method, next: ServerInterceptingCallInterface, apiKeys: ApiKeyVerifier, refuse: Refuse) {
  const call: ServerInterceptingCall = new ServerInterceptingCall(next, {
    start: (startNext) =>
      startNext({
        onReceiveMetadata: (metadata: Metadata, mdNext: (m: Metadata) => void) => {
          if (apiKeys.verifyAuthorization(metadata.get("authorization")[0])) mdNext(metadata);
          else refuse(call, method.path, status.UNAUTHENTICATED, "missing or invalid API key (authorization: Bearer <key>)");
        },
      }),
  });
  return call;
}

/**
 * A call that needs no key: holds one of `limits.maxUnauthenticatedCalls` receiving
 * slots (counted in `slots.receiving`, shared by every such call) from its headers
 * until it half-closes, is cancelled or ends; RESOURCE_EXHAUSTED if none is free,
 * DEADLINE_EXCEEDED if its request is not all received within `limits.receiveTimeoutMs`.
 */
function unauthenticatedCall(
  method: Method,
  next: ServerInterceptingCallInterface,
  slots: { receiving: number },
  limits: Pick<AuthInterceptorOptions, "maxUnauthenticatedCalls" | "receiveTimeoutMs">,
  refuse: Refuse,
) {
  let holding = false;
  let timer: NodeJS.Timeout | undefined;
  const release = () => {
    clearTimeout(timer);
    if (holding) slots.receiving--;
    holding = false;
  };
  const call: ServerInterceptingCall = new ServerInterceptingCall(next, {
    start: (startNext) =>
      startNext({
        onReceiveMetadata: (metadata: Metadata, mdNext: (m: Metadata) => void) => {
          if (slots.receiving >= limits.maxUnauthenticatedCalls) {
            refuse(call, method.path, status.RESOURCE_EXHAUSTED, "too many unauthenticated calls in progress; retry later");
            return;
          }
          slots.receiving++;
          holding = true;
          timer = setTimeout(() => {
            release();
            refuse(call, method.path, status.DEADLINE_EXCEEDED, `request not received within ${limits.receiveTimeoutMs} ms`);
          }, limits.receiveTimeoutMs);
          mdNext(metadata);
        },
        onReceiveHalfClose: (halfCloseNext: () => void) => {
          release();
          halfCloseNext();
        },
        onCancel: release,
      }),
    sendStatus: (s, statusNext) => {
      release();
      statusNext(s);
    },
  });
  return call;
}

/**
 * Checks every call before any of its request is read.
 *
 * grpc-js reads a request only once the handler asks for it, which it does after
 * `onReceiveMetadata` has passed the headers on. This interceptor stops there:
 * - a method outside `openServices` needs `authorization: Bearer <API key>`; without it
 *   the call ends UNAUTHENTICATED at its headers, so not one byte of its message is
 *   buffered (the stream's further data is discarded);
 * - a method of `openServices` (health) needs no key, so its request is read; at most
 *   `maxUnauthenticatedCalls` such calls may be receiving at once node-wide
 *   (RESOURCE_EXHAUSTED beyond), and each must have sent its whole request (half-closed)
 *   within `receiveTimeoutMs` (DEADLINE_EXCEEDED otherwise). Unauthenticated callers can
 *   therefore make the node hold at most maxUnauthenticatedCalls x max message bytes.
 */
export function authInterceptor(options: AuthInterceptorOptions): ServerInterceptor {
  const open = new Set(options.openServices);
  const slots = { receiving: 0 };

  const refuse: Refuse = (call, path, code, details) => {
    options.onRefused?.(path, code);
    call.sendStatus({ code, details });
  };

  return (method, next) => {
    const service = method.path.split("/")[1] ?? "";
    return open.has(service)
      ? unauthenticatedCall(method, next, slots, options, refuse)
      : authenticatedCall(method, next, options.apiKeys, refuse);
  };
}
