import { fromBinary, toBinary } from "@bufbuild/protobuf";
import {
  type DescriptorProto,
  type EnumDescriptorProto,
  type FieldDescriptorProto,
  type FileDescriptorProto,
  FileDescriptorProtoSchema,
  FileDescriptorSetSchema,
} from "@bufbuild/protobuf/wkt";

interface IndexedFile {
  proto: FileDescriptorProto;
  /** The serialized FileDescriptorProto, as the compiler produced it. */
  bytes: Buffer;
}

/**
 * The compiled descriptors a server reflection service answers from: the files
 * reachable from `roots` through their imports, indexed by file name, by every
 * fully-qualified symbol they declare (messages, fields, oneofs, enums, enum values,
 * services, methods, extensions) and by extension (extendee, number).
 */
export class DescriptorIndex {
  readonly #files = new Map<string, IndexedFile>();
  readonly #symbols = new Map<string, string>();
  readonly #extensions = new Map<string, Map<number, string>>();

  /**
   * `fileDescriptorSet`: a binary google.protobuf.FileDescriptorSet holding `roots` and
   * everything they import. Throws if a root or an import is missing from it.
   */
  constructor(options: { fileDescriptorSet: Uint8Array; roots: readonly string[] }) {
    const all = new Map<string, FileDescriptorProto>();
    for (const f of fromBinary(FileDescriptorSetSchema, options.fileDescriptorSet).file) all.set(f.name, f);
    const pending = [...options.roots];
    while (pending.length > 0) {
      const name = pending.pop()!;
      if (this.#files.has(name)) continue;
      const proto = all.get(name);
      if (!proto) throw new Error(`descriptor set lacks ${name}`);
      this.#files.set(name, { proto, bytes: Buffer.from(toBinary(FileDescriptorProtoSchema, proto)) });
      this.#indexFile(proto);
      pending.push(...proto.dependency);
    }
  }

  /** The file named `name` then its transitive imports, serialized; undefined if unknown. */
  fileByName(name: string): Buffer[] | undefined {
    return this.#files.has(name) ? this.#withImports(name) : undefined;
  }

  /** The file declaring `symbol` (e.g. `herald.v1.NotificationService`) then its transitive imports. */
  fileContainingSymbol(symbol: string): Buffer[] | undefined {
    const name = this.#symbols.get(symbol.replace(/^\./, ""));
    return name === undefined ? undefined : this.#withImports(name);
  }

  /** The file declaring extension `number` of `extendee`, then its transitive imports. */
  fileContainingExtension(extendee: string, number: number): Buffer[] | undefined {
    const name = this.#extensions.get(extendee.replace(/^\./, ""))?.get(number);
    return name === undefined ? undefined : this.#withImports(name);
  }

  /** The extension numbers declared for `messageType`; undefined if it is not a known message. */
  extensionNumbers(messageType: string): number[] | undefined {
    const type = messageType.replace(/^\./, "");
    if (!this.#symbols.has(type)) return undefined;
    return [...(this.#extensions.get(type)?.keys() ?? [])].sort((a, b) => a - b);
  }

  /** True when `name` is a service declared in one of the indexed files. */
  hasService(name: string): boolean {
    const file = this.#symbols.get(name);
    if (file === undefined) return false;
    const proto = this.#files.get(file)!.proto;
    return proto.service.some((s) => qualify(proto.package, s.name) === name);
  }

  #withImports(name: string): Buffer[] {
    const order: string[] = [];
    const seen = new Set<string>();
    const visit = (n: string) => {
      if (seen.has(n)) return;
      seen.add(n);
      order.push(n);
      for (const dep of this.#files.get(n)!.proto.dependency) visit(dep);
    };
    visit(name);
    return order.map((n) => this.#files.get(n)!.bytes);
  }

  #indexFile(file: FileDescriptorProto): void {
    const add = (symbol: string) => this.#symbols.set(symbol, file.name);
    const addExtensions = (extensions: FieldDescriptorProto[], scope: string) => {
      for (const ext of extensions) {
        add(qualify(scope, ext.name));
        const extendee = ext.extendee.replace(/^\./, "");
        if (!this.#extensions.has(extendee)) this.#extensions.set(extendee, new Map());
        this.#extensions.get(extendee)!.set(ext.number, file.name);
      }
    };
    const addEnum = (e: EnumDescriptorProto, scope: string) => {
      add(qualify(scope, e.name));
      // Enum values are siblings of their enum (C++ scoping rules).
      for (const v of e.value) add(qualify(scope, v.name));
    };
    const addMessage = (m: DescriptorProto, scope: string) => {
      const name = qualify(scope, m.name);
      add(name);
      for (const f of m.field) add(`${name}.${f.name}`);
      for (const o of m.oneofDecl) add(`${name}.${o.name}`);
      for (const nested of m.nestedType) addMessage(nested, name);
      for (const e of m.enumType) addEnum(e, name);
      addExtensions(m.extension, name);
    };
    for (const m of file.messageType) addMessage(m, file.package);
    for (const e of file.enumType) addEnum(e, file.package);
    for (const s of file.service) {
      const name = qualify(file.package, s.name);
      add(name);
      for (const method of s.method) add(`${name}.${method.name}`);
    }
    addExtensions(file.extension, file.package);
  }
}

function qualify(scope: string, name: string): string {
  return scope === "" ? name : `${scope}.${name}`;
}
