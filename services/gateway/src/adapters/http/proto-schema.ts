import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import {
  createFileRegistry,
  type DescEnum,
  type DescField,
  type DescMessage,
  type FileRegistry,
  fromBinary,
  ScalarType,
} from "@bufbuild/protobuf";
import { FileDescriptorSetSchema } from "@bufbuild/protobuf/wkt";

// The partner API's JSON is the proto3 JSON mapping of the contracts in proto/ — the same JSON the
// generated ts-proto `toJSON`/`fromJSON` write and read (camelCase names, enum names, timestamps
// as RFC 3339 text). Its JSON Schemas are derived here from the contracts' descriptor set, so there
// is one source for each route's request and response: validation, serialisation and the OpenAPI
// document all read these schemas, and no DTO is written by hand beside the generated types.

export type JsonSchema = Record<string, unknown>;

const require = createRequire(import.meta.url);

/** A schema reference Fastify resolves against the shared schemas (`addSchema`). */
export function ref(typeName: string): JsonSchema {
  return { $ref: `${typeName}#` };
}

const INT32 = { type: "integer", minimum: -2_147_483_648, maximum: 2_147_483_647 };
const UINT32 = { type: "integer", minimum: 0, maximum: 4_294_967_295 };
// ts-proto is generated with forceLong=number: 64-bit integers travel as JSON numbers, within the
// range a double holds exactly.
const INT64 = { type: "integer", minimum: -Number.MAX_SAFE_INTEGER, maximum: Number.MAX_SAFE_INTEGER };
const UINT64 = { type: "integer", minimum: 0, maximum: Number.MAX_SAFE_INTEGER };
// The canonical proto3 JSON mapping writes 64-bit integers as decimal strings (the console's).
const INT64_TEXT = { type: "string", pattern: "^-?[0-9]{1,20}$" };
const UINT64_TEXT = { type: "string", pattern: "^[0-9]{1,20}$" };

/** How 64-bit integers travel: JSON numbers (the partner API, as ts-proto writes them) or strings. */
export type LongsAs = "number" | "string";

function scalarSchema(scalar: ScalarType, longs: LongsAs = "number"): JsonSchema {
  switch (scalar) {
    case ScalarType.STRING:
      return { type: "string" };
    case ScalarType.BOOL:
      return { type: "boolean" };
    case ScalarType.BYTES:
      return { type: "string", contentEncoding: "base64" };
    case ScalarType.DOUBLE:
    case ScalarType.FLOAT:
      return { type: "number" };
    case ScalarType.INT32:
    case ScalarType.SINT32:
    case ScalarType.SFIXED32:
      return { ...INT32 };
    case ScalarType.UINT32:
    case ScalarType.FIXED32:
      return { ...UINT32 };
    case ScalarType.UINT64:
    case ScalarType.FIXED64:
      return longs === "string" ? { ...UINT64_TEXT } : { ...UINT64 };
    default:
      return longs === "string" ? { ...INT64_TEXT } : { ...INT64 };
  }
}

/** Enum values by name, without the `*_UNSPECIFIED` zero value, which means "not given". */
export function enumNames(desc: DescEnum): string[] {
  return desc.values.filter((value) => value.number !== 0).map((value) => value.name);
}

const WELL_KNOWN: Record<string, JsonSchema> = {
  "google.protobuf.Timestamp": { type: "string", format: "date-time" },
  "google.protobuf.Duration": { type: "string", pattern: "^-?[0-9]+(\\.[0-9]{1,9})?s$" },
};

export interface MessageSchemaOptions {
  /** Top-level fields the API fills itself (the caller's organisation, a path parameter). */
  omit?: readonly string[];
  /** Top-level fields the API requires, by JSON name. */
  required?: readonly string[];
}

/**
 * JSON Schemas of the contracts' messages and enums, by their full proto names. Every message and
 * enum a schema refers to is collected in `shared()`, for `addSchema` and the OpenAPI components.
 */
export class ProtoSchemas {
  readonly #registry;
  readonly #shared = new Map<string, JsonSchema>();
  readonly #longs: LongsAs;

  constructor(descriptorSet: Uint8Array = readDescriptorSet(), options: { longs?: LongsAs } = {}) {
    this.#registry = createFileRegistry(fromBinary(FileDescriptorSetSchema, descriptorSet));
    this.#longs = options.longs ?? "number";
  }

  /** The contracts' descriptors, for a caller that reads services and methods. */
  get registry(): FileRegistry {
    return this.#registry;
  }

  /** Every schema referred to so far, with its `$id` (the proto full name). */
  shared(): JsonSchema[] {
    return [...this.#shared.values()];
  }

  message(typeName: string): DescMessage {
    const desc = this.#registry.getMessage(typeName);
    if (!desc) throw new Error(`no message ${typeName} in the contracts`);
    return desc;
  }

  enumType(typeName: string): DescEnum {
    const desc = this.#registry.getEnum(typeName);
    if (!desc) throw new Error(`no enum ${typeName} in the contracts`);
    return desc;
  }

  /** A reference to a message's shared schema (registering it and everything it refers to). */
  refTo(typeName: string): JsonSchema {
    if (WELL_KNOWN[typeName]) return { ...WELL_KNOWN[typeName] };
    this.#share(this.message(typeName));
    return ref(typeName);
  }

  /** A reference to an enum's shared schema. */
  enumRef(typeName: string): JsonSchema {
    this.#shareEnum(this.enumType(typeName));
    return ref(typeName);
  }

  /** A message's schema written out at the top (fields omitted or required), its parts by reference. */
  body(typeName: string, options: MessageSchemaOptions = {}): JsonSchema {
    return this.#objectSchema(this.message(typeName), options);
  }

  /** The JSON name of a proto field (snake_case) of a message, as the API's JSON spells it. */
  jsonName(typeName: string, protoName: string): string {
    const field = this.message(typeName).fields.find((f) => f.name === protoName);
    if (!field) throw new Error(`${typeName} has no field ${protoName}`);
    return field.jsonName;
  }

  #share(desc: DescMessage): void {
    if (this.#shared.has(desc.typeName)) return;
    // Placed before its fields are walked, so a message that refers to itself ends the walk.
    const schema: JsonSchema = { $id: desc.typeName };
    this.#shared.set(desc.typeName, schema);
    Object.assign(schema, this.#objectSchema(desc, {}));
  }

  #shareEnum(desc: DescEnum): void {
    if (this.#shared.has(desc.typeName)) return;
    this.#shared.set(desc.typeName, { $id: desc.typeName, type: "string", enum: enumNames(desc) });
  }

  #objectSchema(desc: DescMessage, options: MessageSchemaOptions): JsonSchema {
    const omit = new Set(options.omit ?? []);
    const properties: Record<string, JsonSchema> = {};
    for (const field of desc.fields) {
      if (omit.has(field.name) || omit.has(field.jsonName)) continue;
      properties[field.jsonName] = this.#fieldSchema(field);
    }
    for (const name of omit) {
      if (!desc.fields.some((f) => f.name === name || f.jsonName === name))
        throw new Error(`${desc.typeName} has no field ${name} to omit`);
    }
    const required = (options.required ?? []).filter((name) => name in properties);
    return {
      type: "object",
      // Unknown fields are refused by name rather than dropped: a misspelt field must not pass
      // for an absent one.
      additionalProperties: false,
      properties,
      ...(required.length > 0 ? { required } : {}),
    };
  }

  #fieldSchema(field: DescField): JsonSchema {
    switch (field.fieldKind) {
      case "scalar":
        return scalarSchema(field.scalar, this.#longs);
      case "enum":
        return this.enumRef(field.enum.typeName);
      case "message":
        return this.refTo(field.message.typeName);
      case "list": {
        const items =
          field.listKind === "scalar"
            ? scalarSchema(field.scalar, this.#longs)
            : field.listKind === "enum"
              ? this.enumRef(field.enum.typeName)
              : this.refTo(field.message.typeName);
        return { type: "array", items };
      }
      case "map": {
        const values =
          field.mapKind === "scalar"
            ? scalarSchema(field.scalar, this.#longs)
            : field.mapKind === "enum"
              ? this.enumRef(field.enum.typeName)
              : this.refTo(field.message.typeName);
        return { type: "object", additionalProperties: values };
      }
    }
  }
}

function readDescriptorSet(): Uint8Array {
  return readFileSync(require.resolve("@kopru/contracts/descriptor-set"));
}
