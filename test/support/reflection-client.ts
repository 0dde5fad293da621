import { createRequire } from "node:module";
import path from "node:path";
import { create, createFileRegistry, type FileRegistry, fromBinary, fromJson, type JsonValue, toBinary, toJson } from "@bufbuild/protobuf";
import { type FileDescriptorProto, FileDescriptorProtoSchema, FileDescriptorSetSchema } from "@bufbuild/protobuf/wkt";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";

/**
 * A server reflection client that works as grpcurl does: one ServerReflectionInfo
 * stream, a file asked for by symbol or by name, then every import the returned
 * files declare and the stream has not yet returned, asked for by name, until the
 * set is closed; then a descriptor pool (@bufbuild/protobuf's FileRegistry, which
 * refuses unresolvable imports and type references) and dynamic calls from it.
 * It uses the reflection protos that @grpc/reflection ships, nothing of Herald's.
 */

const require = createRequire(import.meta.url);
const REFLECTION_PROTO_ROOT = path.resolve(path.dirname(require.resolve("@grpc/reflection")), "../proto");

export interface ReflectionResponse {
  list_services_response?: { service: Array<{ name: string }> };
  file_descriptor_response?: { file_descriptor_proto: Buffer[] };
  error_response?: { error_code: number; error_message: string };
}

type Request = { list_services: string } | { file_by_filename: string } | { file_containing_symbol: string };

export class ReflectionError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

export class ReflectionClient {
  readonly #client: grpc.Client;
  readonly #call: grpc.ClientDuplexStream<object, ReflectionResponse>;
  readonly #waiting: Array<{ resolve: (r: ReflectionResponse) => void; reject: (e: unknown) => void }> = [];
  /** Every file this stream returned, by name. */
  readonly files = new Map<string, FileDescriptorProto>();

  /** `metadata`: sent on the stream (e.g. the API key). */
  constructor(address: string, version: "v1" | "v1alpha", metadata = new grpc.Metadata()) {
    const def = protoLoader.loadSync(`grpc/reflection/${version}/reflection.proto`, {
      includeDirs: [REFLECTION_PROTO_ROOT],
      keepCase: true,
    });
    const pkg = grpc.loadPackageDefinition(def) as unknown as {
      grpc: { reflection: Record<string, { ServerReflection: grpc.ServiceClientConstructor }> };
    };
    const Ctor = pkg.grpc.reflection[version]!.ServerReflection;
    this.#client = new Ctor(address, grpc.credentials.createInsecure());
    const open = this.#client as unknown as {
      ServerReflectionInfo(md: grpc.Metadata): grpc.ClientDuplexStream<object, ReflectionResponse>;
    };
    this.#call = open.ServerReflectionInfo(metadata);
    this.#call.on("data", (res: ReflectionResponse) => this.#waiting.shift()?.resolve(res));
    this.#call.on("error", (err) => {
      for (const w of this.#waiting.splice(0)) w.reject(err);
    });
  }

  /** One request on the stream; resolves with its answer. */
  request(request: Request): Promise<ReflectionResponse> {
    return new Promise((resolve, reject) => {
      this.#waiting.push({ resolve, reject });
      this.#call.write({ host: "", ...request });
    });
  }

  async listServices(): Promise<string[]> {
    const res = await this.request({ list_services: "*" });
    return res.list_services_response?.service.map((s) => s.name) ?? [];
  }

  /** The files of one file request (throws ReflectionError on an error answer); remembers them. */
  async fetchFiles(request: Request): Promise<FileDescriptorProto[]> {
    const res = await this.request(request);
    if (res.error_response) throw new ReflectionError(res.error_response.error_code, res.error_response.error_message);
    const protos = (res.file_descriptor_response?.file_descriptor_proto ?? []).map((b) => fromBinary(FileDescriptorProtoSchema, b));
    for (const p of protos) this.files.set(p.name, p);
    return protos;
  }

  /** Asks by name for every import of the known files not yet returned, until none is missing. */
  async resolveImports(): Promise<string[]> {
    const asked: string[] = [];
    for (;;) {
      const missing = [...this.files.values()].flatMap((f) => f.dependency).filter((d) => !this.files.has(d));
      if (missing.length === 0) return asked;
      for (const name of new Set(missing)) {
        asked.push(name);
        await this.fetchFiles({ file_by_filename: name });
      }
    }
  }

  /** A descriptor pool rooted at the returned file `name`, its imports resolved from what the stream returned. */
  pool(name: string): FileRegistry {
    // Imports first, as a compiler links them (each file's imports must already be in the pool).
    const ordered: FileDescriptorProto[] = [];
    const visit = (n: string, importer: string) => {
      if (ordered.some((f) => f.name === n)) return;
      const file = this.files.get(n);
      if (!file) throw new Error(`reflection returned no file ${n}, imported by ${importer}`);
      for (const dep of file.dependency) visit(dep, n);
      ordered.push(file);
    };
    visit(name, "the caller");
    return createFileRegistry(create(FileDescriptorSetSchema, { file: ordered }));
  }

  close(): void {
    this.#call.end();
    this.#client.close();
  }
}

/**
 * Calls unary `service`/`method` with a JSON request (proto3 JSON, as `grpcurl -d`),
 * serialized and parsed with the pool's descriptors only; resolves with the JSON answer.
 */
export function dynamicUnaryCall(
  pool: FileRegistry,
  address: string,
  service: string,
  method: string,
  request: JsonValue,
  metadata: grpc.Metadata,
): Promise<JsonValue> {
  const svc = pool.getService(service);
  if (!svc) throw new Error(`no service ${service} in the pool`);
  const m = svc.methods.find((x) => x.name === method);
  if (!m) throw new Error(`no method ${method} in ${service}`);
  const Ctor = grpc.makeGenericClientConstructor(
    {
      [method]: {
        path: `/${svc.typeName}/${m.name}`,
        requestStream: false,
        responseStream: false,
        requestSerialize: (v: JsonValue) => Buffer.from(toBinary(m.input, fromJson(m.input, v, { registry: pool }))),
        requestDeserialize: (b: Buffer) => b,
        responseSerialize: (b: Buffer) => b,
        responseDeserialize: (b: Buffer) => toJson(m.output, fromBinary(m.output, b), { registry: pool }),
      },
    },
    service,
  );
  const client = new Ctor(address, grpc.credentials.createInsecure());
  return new Promise<JsonValue>((resolve, reject) => {
    const fn = (
      client as unknown as Record<
        string,
        (req: JsonValue, md: grpc.Metadata, cb: (e: grpc.ServiceError | null, r: JsonValue) => void) => void
      >
    )[method]!;
    fn.call(client, request, metadata, (err, res) => {
      client.close();
      if (err) reject(err);
      else resolve(res);
    });
  });
}
