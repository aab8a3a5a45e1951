// Renders a kustomization the way `kubectl kustomize` does, for the part of Kustomize these manifests
// use: resources (files and directories), namespace, images and JSON 6902 patches. Anything else in a
// kustomization is refused rather than ignored, so the rendering here never quietly differs from what
// an operator's kubectl applies. It is stricter in one place: a patch whose target matches nothing
// fails (Kustomize skips it), since such a patch is always a mistake.
import { readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { parse, parseAllDocuments } from "yaml";

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [field: string]: unknown;
}

export class KustomizeError extends Error {
  override readonly name = "KustomizeError";
}

interface PatchTarget {
  kind?: string;
  name?: string;
  group?: string;
  version?: string;
}

interface Kustomization {
  apiVersion?: string;
  kind?: string;
  resources?: string[];
  namespace?: string;
  images?: { name: string; newName?: string; newTag?: string; digest?: string }[];
  patches?: { target?: PatchTarget; patch?: string; path?: string }[];
}

const SUPPORTED_FIELDS = new Set(["apiVersion", "kind", "resources", "namespace", "images", "patches"]);
const CLUSTER_SCOPED = new Set([
  "Namespace",
  "ClusterRole",
  "ClusterRoleBinding",
  "CustomResourceDefinition",
  "PersistentVolume",
  "StorageClass",
  "PriorityClass",
]);

/** The objects of a YAML file with one or more documents (empty documents skipped). */
export function readManifests(file: string): KubeObject[] {
  const objects: KubeObject[] = [];
  for (const document of parseAllDocuments(readFileSync(file, "utf8"))) {
    if (document.errors.length > 0) throw new KustomizeError(`${file}: ${document.errors[0]?.message}`);
    const value = document.toJS() as KubeObject | null;
    if (value === null) continue;
    if (!value.apiVersion || !value.kind || !value.metadata?.name) {
      throw new KustomizeError(`${file}: a document without apiVersion, kind and metadata.name`);
    }
    objects.push(value);
  }
  return objects;
}

/** The objects `kubectl kustomize <dir>` prints, in resource order. */
export function renderKustomization(dir: string): KubeObject[] {
  const file = join(dir, "kustomization.yaml");
  const kustomization = parse(readFileSync(file, "utf8")) as Kustomization;
  if (kustomization.kind !== "Kustomization") throw new KustomizeError(`${file}: not a Kustomization`);
  const unsupported = Object.keys(kustomization).filter((field) => !SUPPORTED_FIELDS.has(field));
  if (unsupported.length > 0) {
    throw new KustomizeError(`${file}: ${unsupported.join(", ")} not supported by this renderer`);
  }

  const objects: KubeObject[] = [];
  for (const resource of kustomization.resources ?? []) {
    const path = resolve(dir, resource);
    objects.push(...(statSync(path).isDirectory() ? renderKustomization(path) : readManifests(path)));
  }
  const ids = new Set<string>();
  for (const object of objects) {
    const id = `${groupOf(object.apiVersion)}/${object.kind}/${object.metadata.namespace ?? ""}/${object.metadata.name}`;
    if (ids.has(id)) throw new KustomizeError(`${file}: ${id} is declared twice`);
    ids.add(id);
  }

  for (const [index, entry] of (kustomization.patches ?? []).entries()) {
    const text = entry.patch ?? (entry.path ? readFileSync(resolve(dir, entry.path), "utf8") : undefined);
    if (text === undefined) throw new KustomizeError(`${file}: patch ${index} has neither patch nor path`);
    const operations = parse(text) as unknown;
    if (!Array.isArray(operations)) {
      throw new KustomizeError(
        `${file}: patch ${index} is not a JSON 6902 patch (strategic merge not supported)`,
      );
    }
    const targets = objects.filter((object) => matches(object, entry.target ?? {}));
    if (targets.length === 0) throw new KustomizeError(`${file}: patch ${index} matches no object`);
    for (const target of targets) {
      try {
        applyJsonPatch(target, operations as JsonPatchOperation[]);
      } catch (error) {
        throw new KustomizeError(
          `${file}: patch ${index} on ${target.kind}/${target.metadata.name}: ${(error as Error).message}`,
        );
      }
    }
  }

  for (const image of kustomization.images ?? []) {
    let used = false;
    for (const object of objects) used = setImages(object, image) || used;
    if (!used) throw new KustomizeError(`${file}: image ${image.name} is used by no container`);
  }

  if (kustomization.namespace) {
    for (const object of objects) {
      if (!CLUSTER_SCOPED.has(object.kind)) object.metadata.namespace = kustomization.namespace;
    }
  }
  return objects;
}

function groupOf(apiVersion: string): string {
  return apiVersion.includes("/") ? (apiVersion.split("/")[0] as string) : "";
}

// Kustomize matches a target's kind and name as anchored regular expressions.
function matches(object: KubeObject, target: PatchTarget): boolean {
  const anchored = (pattern: string | undefined, value: string) =>
    pattern === undefined || new RegExp(`^(?:${pattern})$`).test(value);
  const [group, version] = object.apiVersion.includes("/")
    ? (object.apiVersion.split("/") as [string, string])
    : ["", object.apiVersion];
  return (
    anchored(target.kind, object.kind) &&
    anchored(target.name, object.metadata.name) &&
    anchored(target.group, group) &&
    anchored(target.version, version)
  );
}

function setImages(value: unknown, image: NonNullable<Kustomization["images"]>[number]): boolean {
  if (Array.isArray(value)) return value.map((item) => setImages(item, image)).some(Boolean);
  if (!value || typeof value !== "object") return false;
  let used = false;
  for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
    if ((key === "containers" || key === "initContainers") && Array.isArray(child)) {
      for (const container of child as { image?: string }[]) {
        if (!container.image) continue;
        const { name, tag, digest } = splitImage(container.image);
        if (name !== image.name) continue;
        const newTag = image.newTag ?? tag;
        const newDigest = image.digest ?? (image.newTag ? undefined : digest);
        container.image = `${image.newName ?? name}${newDigest ? `@${newDigest}` : newTag ? `:${newTag}` : ""}`;
        used = true;
      }
    } else {
      used = setImages(child, image) || used;
    }
  }
  return used;
}

function splitImage(image: string): { name: string; tag?: string; digest?: string } {
  const [withoutDigest, digest] = image.split("@") as [string, string | undefined];
  const slash = withoutDigest.lastIndexOf("/");
  const colon = withoutDigest.lastIndexOf(":");
  if (colon > slash) {
    return {
      name: withoutDigest.slice(0, colon),
      tag: withoutDigest.slice(colon + 1),
      ...(digest ? { digest } : {}),
    };
  }
  return { name: withoutDigest, ...(digest ? { digest } : {}) };
}

export interface JsonPatchOperation {
  op: "add" | "remove" | "replace" | "test";
  path: string;
  value?: unknown;
}

/** RFC 6902 add, remove, replace and test, in place. */
export function applyJsonPatch(document: object, operations: readonly JsonPatchOperation[]): void {
  for (const operation of operations) {
    const tokens = operation.path
      .split("/")
      .slice(1)
      .map((token) => token.replaceAll("~1", "/").replaceAll("~0", "~"));
    const last = tokens.pop();
    if (last === undefined) throw new Error(`${operation.op} ${operation.path}: the whole document`);
    let parent: unknown = document;
    for (const token of tokens) {
      parent = Array.isArray(parent)
        ? parent[arrayIndex(parent, token, false)]
        : (parent as Record<string, unknown>)?.[token];
      if (parent === undefined || parent === null || typeof parent !== "object") {
        throw new Error(`${operation.op} ${operation.path}: ${token} does not exist`);
      }
    }
    const container = parent as Record<string, unknown> | unknown[];
    const exists = Array.isArray(container)
      ? last !== "-" && Number(last) < container.length
      : Object.hasOwn(container, last);
    switch (operation.op) {
      case "add":
        if (Array.isArray(container)) container.splice(arrayIndex(container, last, true), 0, operation.value);
        else container[last] = operation.value;
        break;
      case "replace":
      case "remove":
        if (!exists) throw new Error(`${operation.op} ${operation.path}: nothing there`);
        if (Array.isArray(container)) {
          const index = arrayIndex(container, last, false);
          if (operation.op === "remove") container.splice(index, 1);
          else container[index] = operation.value;
        } else if (operation.op === "remove") {
          delete container[last];
        } else {
          container[last] = operation.value;
        }
        break;
      case "test": {
        const current = Array.isArray(container)
          ? container[arrayIndex(container, last, false)]
          : container[last];
        if (JSON.stringify(current) !== JSON.stringify(operation.value)) {
          throw new Error(
            `test ${operation.path}: ${JSON.stringify(current)} is not ${JSON.stringify(operation.value)}`,
          );
        }
        break;
      }
      default:
        throw new Error(`${(operation as { op: string }).op} is not supported`);
    }
  }
}

function arrayIndex(array: unknown[], token: string, forAdd: boolean): number {
  if (forAdd && token === "-") return array.length;
  if (!/^(0|[1-9]\d*)$/.test(token)) throw new Error(`${token} is not an array index`);
  const index = Number(token);
  if (index > array.length || (!forAdd && index === array.length))
    throw new Error(`index ${index} is out of range`);
  return index;
}
