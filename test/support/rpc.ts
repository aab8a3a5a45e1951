import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import {
  createFileRegistry,
  type DescMethod,
  type DescService,
  fromBinary,
  fromJson,
  type JsonObject,
  type JsonValue,
  toBinary,
  toJson,
} from "@bufbuild/protobuf";
import { FileDescriptorSetSchema } from "@bufbuild/protobuf/wkt";
import type { Client, Metadata, ServiceError, status } from "@grpc/grpc-js";
import type { ServiceName } from "./network.js";

// Every RPC of the contracts, read from their descriptor set, and a way to call any of them with
// a request written as proto JSON: tests that must reach every method (hostile text, access) use
// it, so a method added to a contract is driven without anyone listing it.

/**
 * Which processes serve each gRPC service of the contracts. A service added to the contracts fails
 * the every-RPC sweeps' placement tests (hostile text, BOLA) until it is placed here.
 */
export const HOSTS: Record<string, ServiceName[]> = {
  "kopru.intake.v1.IntakeService": ["intake"],
  "kopru.coordination.v1.CoordinationService": ["coordination"],
  "kopru.ecm.v1.EcmService": ["ecm"],
  "kopru.protection.v1.ProtectionService": ["protection"],
  "kopru.municipality.v1.MunicipalityService": ["municipality"],
  "kopru.communitycentre.v1.CommunityCentreService": ["community-centre"],
  "kopru.referral.v1.ReferralInboxService": ["ecm", "protection", "municipality", "community-centre"],
  "kopru.notification.v1.NotificationService": ["notifications"],
  // Served beside the service's own RPCs by every process with audit tables (ADR 0025).
  "kopru.audit.v1.AuditService": ["intake", "ecm", "protection", "municipality", "community-centre"],
  // Its own process (ADR 0027); started first, intake then registers its people there.
  "kopru.matching.v1.MatchingService": ["matching"],
};
/** Every process the sweeps start: each serves a service of HOSTS. */
export const ALL_SERVICES: ServiceName[] = [
  "coordination",
  "intake",
  "ecm",
  "protection",
  "municipality",
  "community-centre",
  "notifications",
  "matching",
];

const require = createRequire(import.meta.url);
export const registry = createFileRegistry(
  fromBinary(FileDescriptorSetSchema, readFileSync(require.resolve("@kopru/contracts/descriptor-set"))),
);
/** Every gRPC service the contracts declare. */
export const services: DescService[] = [];
for (const type of registry) if (type.kind === "service") services.push(type);

export type Answer = { ok: true; response: JsonObject } | { ok: false; code: status; details: string };

/** One unary call of `method` with `request` (proto JSON) over a plain grpc-js client; never throws. */
export function unaryCall(
  client: Client,
  method: DescMethod,
  request: JsonObject,
  metadata: Metadata,
  timeoutMs = 20_000,
): Promise<Answer> {
  const bytes = Buffer.from(toBinary(method.input, fromJson(method.input, request)));
  return new Promise((resolve) => {
    client.makeUnaryRequest(
      `/${method.parent.typeName}/${method.name}`,
      (b: Buffer) => b,
      (b: Buffer) => b,
      bytes,
      metadata,
      { deadline: Date.now() + timeoutMs },
      (error: ServiceError | null, response?: Buffer) => {
        if (error) resolve({ ok: false, code: error.code, details: error.details });
        else
          resolve({
            ok: true,
            response: toJson(
              method.output,
              fromBinary(method.output, response ?? Buffer.alloc(0)),
            ) as JsonObject,
          });
      },
    );
  });
}

export function findMethod(service: string, name: string): DescMethod {
  const found = services.find((s) => s.typeName === service)?.methods.find((m) => m.name === name);
  if (!found) throw new Error(`no method ${service}/${name}`);
  return found;
}

/** The non-empty string at `path` of a JSON value, or an error naming the path. */
export function dig(value: JsonValue | undefined, ...path: (string | number)[]): string {
  let node: JsonValue | undefined = value;
  for (const key of path) node = (node as Record<string | number, JsonValue> | undefined)?.[key];
  if (typeof node !== "string" || node === "") throw new Error(`nothing at ${path.join(".")}`);
  return node;
}
