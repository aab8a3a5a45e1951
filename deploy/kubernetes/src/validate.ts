// Offline validation of rendered objects. Built-in kinds go through kubernetes-models, whose validators
// are generated from the Kubernetes OpenAPI schemas (types, required fields, enums; unknown fields are
// not reported there, the API server's strict field validation finds those at apply time). The
// CloudNativePG kinds go through the CRDs' own openAPIV3Schema (schemas/, from the operator's release),
// with every object closed as the API server's pruning treats it: a field the CRD does not declare
// would be dropped silently on apply, so here it is an error. CEL rules (x-kubernetes-validations)
// cannot be checked offline.
import { readFileSync } from "node:fs";
import { Ajv, type ValidateFunction } from "ajv";
import { Deployment } from "kubernetes-models/apps/v1";
import { HorizontalPodAutoscaler } from "kubernetes-models/autoscaling/v2";
import { Job } from "kubernetes-models/batch/v1";
import { NetworkPolicy } from "kubernetes-models/networking.k8s.io/v1";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1";
import { ConfigMap, Secret, Service, ServiceAccount } from "kubernetes-models/v1";
import type { KubeObject } from "./kustomize.js";

interface Model {
  validate(): void;
}

const BUILT_IN: Record<string, new (data: never) => Model> = {
  "v1/ConfigMap": ConfigMap,
  "v1/Secret": Secret,
  "v1/Service": Service,
  "v1/ServiceAccount": ServiceAccount,
  "apps/v1/Deployment": Deployment,
  "batch/v1/Job": Job,
  "policy/v1/PodDisruptionBudget": PodDisruptionBudget,
  "autoscaling/v2/HorizontalPodAutoscaler": HorizontalPodAutoscaler,
  "networking.k8s.io/v1/NetworkPolicy": NetworkPolicy,
};

const CRD_SCHEMAS: Record<string, string> = {
  "postgresql.cnpg.io/v1/Cluster": "cnpg-1.30.0-clusters.json",
  "postgresql.cnpg.io/v1/ScheduledBackup": "cnpg-1.30.0-scheduledbackups.json",
};

// Lowercase letters, digits and '-' (and '.' for most kinds), at most 253 characters; Services at most 63.
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

type Schema = Record<string, unknown>;

/** Closes every object schema that declares its properties, as structural-schema pruning does. */
function closed(schema: Schema): Schema {
  const copy: Schema = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === "properties" && value && typeof value === "object") {
      copy[key] = Object.fromEntries(
        Object.entries(value).map(([name, child]) => [name, closed(child as Schema)]),
      );
    } else if (Array.isArray(value)) {
      copy[key] = value.map((item) => (item && typeof item === "object" ? closed(item as Schema) : item));
    } else if (value && typeof value === "object") {
      copy[key] = closed(value as Schema);
    } else {
      copy[key] = value;
    }
  }
  if (
    schema.type === "object" &&
    schema.properties &&
    schema.additionalProperties === undefined &&
    schema["x-kubernetes-preserve-unknown-fields"] !== true
  ) {
    copy.additionalProperties = false;
  }
  return copy;
}

const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
const crdValidators = new Map<string, ValidateFunction>();

function crdValidator(key: string): ValidateFunction | undefined {
  const file = CRD_SCHEMAS[key];
  if (!file) return undefined;
  let validator = crdValidators.get(key);
  if (!validator) {
    const crd = JSON.parse(readFileSync(new URL(`../schemas/${file}`, import.meta.url), "utf8")) as {
      openAPIV3Schema: Schema;
    };
    // apiVersion, kind and metadata are the API server's, not the CRD's to describe.
    const schema = closed(crd.openAPIV3Schema);
    const properties = schema.properties as Record<string, Schema>;
    for (const field of ["apiVersion", "kind", "metadata"]) properties[field] = {};
    validator = ajv.compile(schema);
    crdValidators.set(key, validator);
  }
  return validator;
}

/** What is wrong with an object, in words; empty when it validates. */
export function validateObject(object: KubeObject): string[] {
  const key = `${object.apiVersion}/${object.kind}`;
  const where = `${object.kind}/${object.metadata?.name}`;
  const problems: string[] = [];
  const name = object.metadata?.name ?? "";
  if (!(object.kind === "Service" ? DNS_LABEL : DNS_SUBDOMAIN).test(name) || name.length > 253) {
    problems.push(`${where}: metadata.name is not a valid name`);
  }
  const Model = BUILT_IN[key];
  if (Model) {
    try {
      new Model(object as never).validate();
    } catch (error) {
      problems.push(`${where}: ${(error as Error).message}`);
    }
    return problems;
  }
  const validator = crdValidator(key);
  if (!validator) return [...problems, `${where}: no schema for ${key}`];
  if (!validator(object)) {
    for (const error of validator.errors ?? []) {
      const extra =
        error.keyword === "additionalProperties" ? ` (${String(error.params.additionalProperty)})` : "";
      problems.push(`${where}: ${error.instancePath || "/"} ${error.message}${extra}`);
    }
  }
  return problems;
}
