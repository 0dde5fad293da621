import { type Server, type ServerDuplexStream, status } from "@grpc/grpc-js";
import {
  type ServerReflectionRequest,
  type ServerReflectionResponse,
  ServerReflectionService as ReflectionV1,
} from "../../../gen/grpc/reflection/v1/reflection.js";
import { ServerReflectionService as ReflectionV1Alpha } from "../../../gen/grpc/reflection/v1alpha/reflection.js";
import type { DescriptorIndex } from "./descriptor-index.js";

export const REFLECTION_SERVICE_NAMES = ["grpc.reflection.v1.ServerReflection", "grpc.reflection.v1alpha.ServerReflection"] as const;

type Answer = ServerReflectionResponse["messageResponse"];

/**
 * gRPC server reflection (grpc.reflection.v1 and v1alpha, same messages) answered
 * from the compiled descriptors: files keep the names they have under proto/
 * (`herald/v1/notification_service.proto`, `google/protobuf/struct.proto`...) and
 * their dependencies, so reflection clients (grpcurl, grpcui, Postman) can build a
 * descriptor pool and call any method. Every file answer carries the file and its
 * transitive imports.
 */
export class ReflectionService {
  readonly #index: DescriptorIndex;
  readonly #services: readonly string[];

  /** `services`: the fully-qualified names list_services answers (each must be in `index`). */
  constructor(options: { index: DescriptorIndex; services: readonly string[] }) {
    for (const s of options.services) if (!options.index.hasService(s)) throw new Error(`no descriptor for service ${s}`);
    this.#index = options.index;
    this.#services = options.services;
  }

  addToServer(server: Server): void {
    const handler = {
      serverReflectionInfo: (call: ServerDuplexStream<ServerReflectionRequest, ServerReflectionResponse>) => this.#serve(call),
    };
    server.addService(ReflectionV1, handler);
    server.addService(ReflectionV1Alpha, handler);
  }

  /** The answer to one request of the stream. */
  answer(request: ServerReflectionRequest): ServerReflectionResponse {
    return { validHost: request.host, originalRequest: request, messageResponse: this.#answer(request.messageRequest) };
  }

  #serve(call: ServerDuplexStream<ServerReflectionRequest, ServerReflectionResponse>): void {
    call.on("error", () => {}); // a client going away mid-stream is not an error of ours
    call.on("data", (request: ServerReflectionRequest) => {
      // Read no further request while the client is not reading the answers.
      if (!call.write(this.answer(request))) {
        call.pause();
        call.once("drain", () => call.resume());
      }
    });
    call.on("end", () => call.end());
  }

  #answer(request: ServerReflectionRequest["messageRequest"]): Answer {
    switch (request?.$case) {
      case "listServices":
        return { $case: "listServicesResponse", value: { service: this.#services.map((name) => ({ name })) } };
      case "fileByFilename":
        return files(this.#index.fileByName(request.value), `file not found: ${request.value}`);
      case "fileContainingSymbol":
        return files(this.#index.fileContainingSymbol(request.value), `symbol not found: ${request.value}`);
      case "fileContainingExtension": {
        const { containingType, extensionNumber } = request.value;
        return files(
          this.#index.fileContainingExtension(containingType, extensionNumber),
          `extension ${extensionNumber} of ${containingType} not found`,
        );
      }
      case "allExtensionNumbersOfType": {
        const numbers = this.#index.extensionNumbers(request.value);
        if (numbers === undefined) return error(status.NOT_FOUND, `type not found: ${request.value}`);
        return { $case: "allExtensionNumbersResponse", value: { baseTypeName: request.value, extensionNumber: numbers } };
      }
      default:
        return error(status.INVALID_ARGUMENT, "empty reflection request");
    }
  }
}

function files(found: Buffer[] | undefined, notFound: string): Answer {
  return found === undefined
    ? error(status.NOT_FOUND, notFound)
    : { $case: "fileDescriptorResponse", value: { fileDescriptorProto: found } };
}

function error(code: status, message: string): Answer {
  return { $case: "errorResponse", value: { errorCode: code, errorMessage: message } };
}
