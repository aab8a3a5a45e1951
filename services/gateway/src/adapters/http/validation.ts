import type { FastifyError } from "fastify";
import { gatewayProblem, type InvalidParam, type ProblemError } from "./problems.js";

interface AjvError {
  instancePath: string;
  keyword: string;
  message?: string;
  params: Record<string, unknown>;
}

/** `/referrals/3/referral/serviceType` → `referrals[3].referral.serviceType`. */
function fieldPath(instancePath: string): string {
  return instancePath
    .split("/")
    .slice(1)
    .map((part) => part.replace(/~1/g, "/").replace(/~0/g, "~"))
    .reduce((path, part) => (/^\d+$/.test(part) ? `${path}[${part}]` : path ? `${path}.${part}` : part), "");
}

function join(base: string, field: string): string {
  return base ? `${base}.${field}` : field;
}

/** One invalid parameter per failing field, named as the caller wrote it (never echoing its value). */
export function invalidParams(errors: readonly AjvError[], part: string | undefined): InvalidParam[] {
  const params = new Map<string, string>();
  const where = part && part !== "body" ? `${part}:` : "";
  for (const error of errors) {
    const base = fieldPath(error.instancePath);
    let name = base;
    let reason = error.message ?? "is invalid";
    if (error.keyword === "required") {
      name = join(base, String(error.params.missingProperty));
      reason = "is required";
    } else if (error.keyword === "additionalProperties") {
      name = join(base, String(error.params.additionalProperty));
      reason = "is not a field of this request";
    } else if (error.keyword === "enum") {
      const allowed = (error.params.allowedValues as unknown[] | undefined) ?? [];
      reason = `must be one of ${allowed.slice(0, 12).join(", ")}${allowed.length > 12 ? ", …" : ""}`;
    }
    const key = `${where}${name || "(body)"}`;
    // The first reason per field: one clear line beats every keyword that failed.
    if (!params.has(key)) params.set(key, reason);
  }
  return [...params].map(([name, reason]) => ({ name, reason }));
}

/** Fastify's schema validation failure as a 400 problem naming each field. */
export function validationProblem(error: FastifyError): ProblemError {
  const params = invalidParams((error.validation ?? []) as AjvError[], error.validationContext);
  return gatewayProblem(
    "invalid_argument",
    `the request is invalid: ${params.map((p) => p.name).join(", ")}`,
    {
      invalid_params: params,
    },
  );
}
