import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { streamConfig } from "@kopru/bus";
import { NETWORK_LAYOUT } from "@kopru/events";
import { launcherConfig } from "@kopru/local";
import { beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import type { z } from "zod";
import { applyJsonPatch, type KubeObject, KustomizeError, renderKustomization } from "../src/kustomize.js";
import { validateObject } from "../src/validate.js";

// What an operator checks before `kubectl apply -k`: every overlay renders and every object is valid
// for its kind; the services, their variables, probes, budgets, autoscalers and network flows agree
// with the code, the compose file and the launcher; and no secret value is in the repository.

const here = fileURLToPath(new URL("..", import.meta.url));
const repo = join(here, "..", "..");
const overlays = readdirSync(join(here, "overlays")).filter((entry) =>
  statSync(join(here, "overlays", entry)).isDirectory(),
);
const rendered = new Map(
  overlays.map((overlay) => [overlay, renderKustomization(join(here, "overlays", overlay))]),
);

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: {
    secretKeyRef?: { name: string; key: string; optional?: boolean };
    configMapKeyRef?: { name: string; key: string };
  };
}
interface Probe {
  grpc?: { port: number; service?: string };
  httpGet?: { path: string; port: number | string; scheme?: string };
}
interface Container {
  name: string;
  image: string;
  env?: EnvVar[];
  ports?: { name?: string; containerPort: number }[];
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  startupProbe?: Probe;
  securityContext?: {
    runAsNonRoot?: boolean;
    readOnlyRootFilesystem?: boolean;
    allowPrivilegeEscalation?: boolean;
    capabilities?: { drop?: string[] };
  };
  volumeMounts?: { name: string; mountPath: string }[];
}
interface PodSpec {
  serviceAccountName?: string;
  automountServiceAccountToken?: boolean;
  securityContext?: { runAsNonRoot?: boolean };
  containers: Container[];
  volumes?: { name: string; secret?: { secretName: string }; configMap?: { name: string } }[];
}
interface Selector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}
interface Peer {
  podSelector?: Selector;
  namespaceSelector?: Selector;
  ipBlock?: { cidr: string };
}
interface Rule {
  from?: Peer[];
  to?: Peer[];
  ports?: { protocol?: string; port: number }[];
}
type Deployment = KubeObject & {
  spec: { template: { metadata: { labels: Record<string, string> }; spec: PodSpec } };
};
type Cluster = KubeObject & { spec: { backup: { barmanObjectStore: { destinationPath: string } } } };
type NetworkPolicy = KubeObject & {
  spec: { podSelector: Selector; policyTypes: string[]; ingress?: Rule[]; egress?: Rule[] };
};

function selects(selector: Selector | undefined, labels: Record<string, string>): boolean {
  if (!selector) return false;
  const byLabels = Object.entries(selector.matchLabels ?? {}).every(([key, value]) => labels[key] === value);
  const byExpressions = (selector.matchExpressions ?? []).every(({ key, operator, values = [] }) => {
    if (operator === "In") return values.includes(labels[key] as string);
    if (operator === "NotIn") return !values.includes(labels[key] as string);
    if (operator === "Exists") return key in labels;
    return !(key in labels);
  });
  return byLabels && byExpressions;
}

const ofKind = <T extends KubeObject>(objects: KubeObject[], kind: string) =>
  objects.filter((object) => object.kind === kind) as T[];
const appOf = (deployment: Deployment) => deployment.metadata.name;
const podLabels = (deployment: Deployment) => deployment.spec.template.metadata.labels;
const mainContainer = (deployment: Deployment) => deployment.spec.template.spec.containers[0] as Container;
const envOf = (deployment: Deployment) => mainContainer(deployment).env ?? [];
const kopruServices = (objects: KubeObject[]) =>
  ofKind<Deployment>(objects, "Deployment").filter(
    (deployment) => podLabels(deployment)["app.kubernetes.io/component"] === "service",
  );

/** The value a variable gets, reading a ConfigMap it refers to (a secret's value is never read). */
function resolvedValue(objects: KubeObject[], variable: EnvVar): string | undefined {
  if (variable.value !== undefined) return variable.value;
  const reference = variable.valueFrom?.configMapKeyRef;
  if (!reference) return undefined;
  const configMap = objects.find((o) => o.kind === "ConfigMap" && o.metadata.name === reference.name) as
    | (KubeObject & { data: Record<string, string> })
    | undefined;
  return configMap?.data[reference.key];
}

// Each service's env schema, from its own package: `spec.envSchema`, or the `<name>Env` it exports.
const schemaModules: Record<string, () => Promise<Record<string, unknown>>> = {
  intake: () => import("@kopru/intake"),
  protection: () => import("@kopru/protection"),
  ecm: () => import("@kopru/ecm"),
  "community-centre": () => import("@kopru/community-centre"),
  municipality: () => import("@kopru/municipality"),
  coordination: () => import("@kopru/coordination"),
  notifications: () => import("@kopru/notifications"),
  gateway: () => import("@kopru/gateway"),
  matching: () => import("@kopru/matching"),
  identity: () => import("@kopru/identity"),
};

const schemas = new Map<string, z.ZodObject>();

// Importing ten services takes a while on a busy machine: once, before the tests that need them.
beforeAll(async () => {
  for (const service of Object.keys(schemaModules)) schemas.set(service, await loadEnvSchema(service));
}, 180_000);

function envSchemaOf(service: string): z.ZodObject {
  const schema = schemas.get(service);
  if (!schema) throw new Error(`no env schema loaded for ${service}`);
  return schema;
}

async function loadEnvSchema(service: string): Promise<z.ZodObject> {
  const load = schemaModules[service];
  if (!load) throw new Error(`no package known for service ${service}`);
  const module = await load();
  const camel = service.replace(/-(\w)/g, (_, letter: string) => letter.toUpperCase());
  const schema = (module.spec as { envSchema?: z.ZodObject } | undefined)?.envSchema ?? module[`${camel}Env`];
  if (!schema) throw new Error(`@kopru/${service} exports neither spec.envSchema nor ${camel}Env`);
  return schema as z.ZodObject;
}

/** Variables read by Node or the OpenTelemetry SDK rather than by a service's schema. */
const readByRuntime = (name: string) => name === "NODE_EXTRA_CA_CERTS" || name.startsWith("OTEL_");

interface ComposeService {
  build?: unknown;
  image?: string;
  environment?: Record<string, string>;
  env_file?: string[];
}
const compose = parse(readFileSync(join(repo, "deploy/compose/compose.yaml"), "utf8"), { merge: true }) as {
  services: Record<string, ComposeService>;
};
const composeServices = Object.entries(compose.services).filter(([, service]) => service.build !== undefined);

const production = rendered.get("production") as KubeObject[];

describe("rendering", () => {
  // Compiling the validators takes seconds on a busy machine, once.
  it("renders every overlay, and every object is valid for its kind", { timeout: 60_000 }, () => {
    expect(overlays).toEqual(expect.arrayContaining(["production", "staging"]));
    for (const [overlay, objects] of rendered) {
      expect(objects.flatMap(validateObject), overlay).toEqual([]);
      expect(new Set(objects.map((o) => o.metadata.namespace)), overlay).toEqual(
        new Set([overlay === "production" ? "kopru" : "kopru-staging"]),
      );
    }
  });

  it("finds what the API server would refuse or drop", () => {
    const cluster = structuredClone(production.find((o) => o.kind === "Cluster")) as KubeObject & {
      spec: Record<string, unknown>;
    };
    cluster.spec.instance = 3;
    expect(validateObject(cluster)).toEqual([
      `Cluster/${cluster.metadata.name}: /spec must NOT have additional properties (instance)`,
    ]);
    const deployment = structuredClone(kopruServices(production)[0]) as Deployment;
    (mainContainer(deployment).readinessProbe as Probe).grpc = { port: "health" as unknown as number };
    expect(validateObject(deployment)).toHaveLength(1);
    expect(validateObject({ apiVersion: "v1", kind: "Pod", metadata: { name: "p" } })).toEqual([
      "Pod/p: no schema for v1/Pod",
    ]);
  });

  it("applies JSON patches as RFC 6902 says, and refuses a patch that matches nothing", () => {
    const document = { spec: { list: [1, 3], map: { a: 1 } } };
    applyJsonPatch(document, [
      { op: "add", path: "/spec/list/1", value: 2 },
      { op: "add", path: "/spec/list/-", value: 4 },
      { op: "replace", path: "/spec/map/a", value: 2 },
      { op: "remove", path: "/spec/list/0" },
    ]);
    expect(document).toEqual({ spec: { list: [2, 3, 4], map: { a: 2 } } });
    expect(() => applyJsonPatch(document, [{ op: "replace", path: "/spec/map/b", value: 1 }])).toThrow(
      "nothing there",
    );
    expect(() => renderKustomization(join(here, "test/fixtures/unmatched-patch"))).toThrow(KustomizeError);
  });
});

describe("consistency with the code, the compose file and the launcher", () => {
  it("runs the services the launcher starts and the compose file builds, and nothing else of Köprü", () => {
    const launcher = launcherConfig({});
    const expected = [...launcher.services.map((service) => service.name), "identity"].sort();
    expect(composeServices.map(([name]) => name).sort()).toEqual(expected);
    for (const [overlay, objects] of rendered) {
      expect(kopruServices(objects).map(appOf).sort(), overlay).toEqual(expected);
    }
  });

  it("gives each service the variables compose gives it, each one the service reads, and every one it requires", () => {
    for (const deployment of kopruServices(production)) {
      const service = appOf(deployment);
      const schema = envSchemaOf(service);
      const known = new Set(Object.keys(schema.shape));
      const env = envOf(deployment);
      const names = env.map((variable) => variable.name);
      expect(new Set(names).size, service).toBe(names.length);
      expect(
        names.filter((name) => !known.has(name) && !readByRuntime(name)),
        `${service}: not read`,
      ).toEqual([]);
      const required = [...known].filter(
        (name) => !(schema.shape[name] as z.ZodType).safeParse(undefined).success,
      );
      expect(
        required.filter((name) => !names.includes(name)),
        `${service}: required`,
      ).toEqual([]);
      for (const variable of env) {
        if (variable.valueFrom?.configMapKeyRef) {
          expect(resolvedValue(production, variable), `${service} ${variable.name}`).toBeDefined();
        }
      }

      const composed = compose.services[service] as ComposeService;
      const composeNames = Object.keys(composed.environment ?? {});
      expect(
        composeNames.filter((name) => !known.has(name) && !readByRuntime(name)),
        `compose ${service}`,
      ).toEqual([]);
      expect(
        composeNames.filter((name) => !names.includes(name)),
        `compose ${service} not in k8s`,
      ).toEqual([]);
      // What compose reads from its private env file (.trust/env/<service>.env), Kubernetes reads from Secrets.
      const onlyHere = names.filter((name) => !composeNames.includes(name));
      const fromSecrets = env.filter((v) => v.valueFrom?.secretKeyRef).map((v) => v.name);
      expect(
        onlyHere.filter((name) => !fromSecrets.includes(name)),
        `${service} only in k8s`,
      ).toEqual([]);
      if (onlyHere.length > 0) expect(composed.env_file, service).toHaveLength(1);
    }
  });

  it("points every service at the same issuer as the identity service, with the network's CA", () => {
    for (const objects of rendered.values()) {
      const identity = kopruServices(objects).find((d) => appOf(d) === "identity") as Deployment;
      const issuer = resolvedValue(objects, envOf(identity).find((v) => v.name === "ISSUER") as EnvVar);
      expect(issuer).toMatch(/^https:\/\//);
      for (const deployment of kopruServices(objects).filter((d) => appOf(d) !== "identity")) {
        const authIssuer = envOf(deployment).find((v) => v.name === "AUTH_ISSUER") as EnvVar;
        expect(resolvedValue(objects, authIssuer), appOf(deployment)).toBe(issuer);
      }
    }
  });
});

describe("every service's Deployment", () => {
  it("is probed on the gRPC health service (identity, which has no gRPC, over HTTPS)", () => {
    for (const deployment of kopruServices(production)) {
      const service = appOf(deployment);
      const container = mainContainer(deployment);
      const env = envOf(deployment);
      const known = Object.keys(envSchemaOf(service).shape);
      const ports = (container.ports ?? []).map((p) => p.containerPort);
      const probes = [container.readinessProbe, container.livenessProbe, container.startupProbe];
      if (known.includes("GRPC_PORT")) {
        const healthPort = Number(env.find((v) => v.name === "GRPC_HEALTH_PORT")?.value);
        expect(ports, service).toContain(healthPort);
        expect(ports, service).toContain(Number(env.find((v) => v.name === "GRPC_PORT")?.value));
        for (const probe of probes) expect(probe?.grpc?.port, service).toBe(healthPort);
      } else {
        const httpPort = Number(env.find((v) => v.name === "HTTP_PORT")?.value);
        expect(ports, service).toContain(httpPort);
        for (const probe of probes) {
          expect(probe?.httpGet, service).toMatchObject({ path: "/healthz", scheme: "HTTPS" });
        }
      }
    }
  });

  it("asks for and is limited in CPU and memory, and runs unprivileged on a read-only root", () => {
    for (const [overlay, objects] of rendered) {
      for (const deployment of ofKind<Deployment>(objects, "Deployment")) {
        const where = `${overlay} ${appOf(deployment)}`;
        const pod = deployment.spec.template.spec;
        for (const container of pod.containers) {
          expect(Object.keys(container.resources?.requests ?? {}).sort(), where).toEqual(["cpu", "memory"]);
          expect(Object.keys(container.resources?.limits ?? {}).sort(), where).toEqual(["cpu", "memory"]);
          expect(container.securityContext?.runAsNonRoot ?? pod.securityContext?.runAsNonRoot, where).toBe(
            true,
          );
          expect(container.securityContext, where).toMatchObject({
            readOnlyRootFilesystem: true,
            allowPrivilegeEscalation: false,
            capabilities: { drop: ["ALL"] },
          });
        }
        expect(pod.automountServiceAccountToken, where).toBe(false);
        const account = objects.find(
          (o) => o.kind === "ServiceAccount" && o.metadata.name === pod.serviceAccountName,
        ) as (KubeObject & { automountServiceAccountToken?: boolean }) | undefined;
        expect(account?.automountServiceAccountToken, where).toBe(false);
      }
    }
  });

  it("has a disruption budget, an autoscaler from two replicas, a Service and a network policy of its own", () => {
    for (const [overlay, objects] of rendered) {
      const policies = ofKind<NetworkPolicy>(objects, "NetworkPolicy");
      const denyAll = policies.find(
        (p) => Object.keys(p.spec.podSelector).length === 0 && !p.spec.ingress && !p.spec.egress,
      );
      expect(denyAll?.spec.policyTypes.sort(), overlay).toEqual(["Egress", "Ingress"]);
      for (const deployment of kopruServices(objects)) {
        const where = `${overlay} ${appOf(deployment)}`;
        const labels = podLabels(deployment);
        const budgets = ofKind<KubeObject & { spec: { selector: Selector } }>(objects, "PodDisruptionBudget");
        expect(
          budgets.filter((b) => selects(b.spec.selector, labels)),
          where,
        ).toHaveLength(1);
        const autoscalers = ofKind<
          KubeObject & { spec: { scaleTargetRef: { kind: string; name: string }; minReplicas: number } }
        >(objects, "HorizontalPodAutoscaler").filter(
          (h) =>
            h.spec.scaleTargetRef.kind === "Deployment" && h.spec.scaleTargetRef.name === appOf(deployment),
        );
        expect(autoscalers, where).toHaveLength(1);
        expect(autoscalers[0]?.spec.minReplicas, where).toBeGreaterThanOrEqual(2);
        const services = ofKind<KubeObject & { spec: { selector: Record<string, string> } }>(
          objects,
          "Service",
        );
        expect(
          services.filter((s) => selects({ matchLabels: s.spec.selector }, labels)),
          where,
        ).toHaveLength(1);
        const own = policies.filter(
          (p) => Object.keys(p.spec.podSelector).length > 0 && selects(p.spec.podSelector, labels),
        );
        expect(own, where).toHaveLength(1);
      }
    }
  });
});

describe("network flows", () => {
  const deployments = kopruServices(production);
  // The policies that pick pods by label: the namespace-wide ones (deny all, DNS) say nothing of a flow.
  const policies = ofKind<NetworkPolicy>(production, "NetworkPolicy").filter(
    (p) => Object.keys(p.spec.podSelector).length > 0,
  );
  const services = ofKind<
    KubeObject & { spec: { selector: Record<string, string>; ports: { port: number }[] } }
  >(production, "Service");
  const allPods = ofKind<Deployment>(production, "Deployment");

  /** The Deployments whose pods a peer without a namespace selector names; ipBlocks and namespaces aside. */
  const peersIn = (rules: Rule[] | undefined, direction: "from" | "to", port: number) =>
    (rules ?? [])
      .filter((rule) => !rule.ports || rule.ports.some((p) => p.port === port))
      .flatMap((rule) => rule[direction] ?? [{}]);
  const podsOf = (peers: Peer[]) =>
    allPods
      .filter((d) =>
        peers.some((p) => !p.namespaceSelector && !p.ipBlock && selects(p.podSelector ?? {}, podLabels(d))),
      )
      .map(appOf)
      .sort();
  const policiesOf = (deployment: Deployment) =>
    policies.filter((p) => selects(p.spec.podSelector, podLabels(deployment)));

  // The calls the services make, from the addresses they are given (`<SERVICE>_ADDRESS=host:port`).
  const calls = deployments.flatMap((caller) =>
    envOf(caller)
      .filter((v) => v.name.endsWith("_ADDRESS"))
      .map((v) => {
        const [host, port] = (resolvedValue(production, v) as string).split(":") as [string, string];
        const target = services.find((s) => s.metadata.name === host);
        const callee = deployments.find(
          (d) => target && selects({ matchLabels: target.spec.selector }, podLabels(d)),
        );
        return {
          caller: appOf(caller),
          callee: callee ? appOf(callee) : `unknown ${host}`,
          port: Number(port),
        };
      }),
  );

  it("let in on a service's gRPC port exactly the services that call it", () => {
    expect(calls.length).toBeGreaterThan(0);
    for (const deployment of deployments) {
      const grpcPort = Number(envOf(deployment).find((v) => v.name === "GRPC_PORT")?.value);
      if (!grpcPort) continue;
      const callers = calls
        .filter((c) => c.callee === appOf(deployment))
        .map((c) => c.caller)
        .sort();
      const peers = policiesOf(deployment).flatMap((p) => peersIn(p.spec.ingress, "from", grpcPort));
      expect(podsOf(peers), appOf(deployment)).toEqual(callers);
      expect(
        peers.filter((p) => p.namespaceSelector || p.ipBlock || !p.podSelector),
        appOf(deployment),
      ).toEqual([]);
    }
  });

  it("let each caller out to the services it calls", () => {
    for (const { caller, callee, port } of calls) {
      const deployment = deployments.find((d) => appOf(d) === caller) as Deployment;
      const peers = policiesOf(deployment).flatMap((p) => peersIn(p.spec.egress, "to", port));
      expect(podsOf(peers), `${caller} → ${callee}:${port}`).toContain(callee);
    }
  });

  it("let each service reach its own database and no other, NATS if it uses the bus, and the collector", () => {
    const clusters = ofKind<KubeObject & { spec: Record<string, unknown> }>(production, "Cluster");
    for (const deployment of deployments) {
      const service = appOf(deployment);
      const egress = policiesOf(deployment).flatMap((p) => p.spec.egress ?? []);
      const databaseSecret = envOf(deployment).find((v) => v.name === "DATABASE_URL")?.valueFrom
        ?.secretKeyRef;
      const own = clusters.find((c) => `${c.metadata.name}-app` === databaseSecret?.name);
      expect(own, service).toBeDefined();
      const reachable = clusters.filter((c) =>
        egress.some(
          (rule) =>
            rule.ports?.some((p) => p.port === 5432) &&
            rule.to?.some((peer) => selects(peer.podSelector, { "cnpg.io/cluster": c.metadata.name })),
        ),
      );
      expect(
        reachable.map((c) => c.metadata.name),
        service,
      ).toEqual([own?.metadata.name]);
      const databasePolicy = policies.find((p) =>
        selects(p.spec.podSelector, { "cnpg.io/cluster": own?.metadata.name as string }),
      );
      expect(podsOf(peersIn(databasePolicy?.spec.ingress, "from", 5432)), service).toContain(service);

      const natsPods = { "app.kubernetes.io/name": "nats", "app.kubernetes.io/component": "nats" };
      const toNats = egress.some(
        (rule) =>
          rule.ports?.some((p) => p.port === 4222) &&
          rule.to?.some((peer) => selects(peer.podSelector, natsPods)),
      );
      const natsPolicy = policies.find((p) => selects(p.spec.podSelector, natsPods));
      const admitted = peersIn(natsPolicy?.spec.ingress, "from", 4222).some((peer) =>
        selects(peer.podSelector, podLabels(deployment)),
      );
      const usesNats = envOf(deployment).some((v) => v.name === "NATS_URL");
      expect([toNats, admitted], service).toEqual([usesNats, usesNats]);

      const otel = envOf(deployment).find((v) => v.name === "OTEL_EXPORTER_OTLP_ENDPOINT")?.value as string;
      const { hostname, port } = new URL(otel);
      const collector = services.find((s) => s.metadata.name === hostname);
      const collectorPods = allPods.filter(
        (d) => collector && selects({ matchLabels: collector.spec.selector }, podLabels(d)),
      );
      expect(collectorPods.map(appOf), service).toEqual(["otel-collector"]);
      const reachesCollector = egress.some(
        (rule) =>
          rule.ports?.some((p) => p.port === Number(port)) &&
          rule.to?.some((peer) => selects(peer.podSelector, podLabels(collectorPods[0] as Deployment))),
      );
      expect(reachesCollector, service).toBe(true);
    }
  });
});

describe("secrets", () => {
  it("come from the cluster: no Secret object, every credential a secret reference, TLS files from Secret volumes", () => {
    const credential = /(PASSWORD|SECRET|_KEYS|DATABASE_URL|SMTP_URL)$/;
    for (const [overlay, objects] of rendered) {
      expect(
        objects.filter((o) => o.kind === "Secret"),
        overlay,
      ).toEqual([]);
      for (const deployment of ofKind<Deployment>(objects, "Deployment")) {
        const pod = deployment.spec.template.spec;
        for (const container of pod.containers) {
          for (const variable of container.env ?? []) {
            if (credential.test(variable.name)) {
              expect(variable.valueFrom?.secretKeyRef, `${appOf(deployment)} ${variable.name}`).toBeDefined();
            }
            if (variable.name.endsWith("_FILE") || variable.name === "NODE_EXTRA_CA_CERTS") {
              const mount = container.volumeMounts?.find((m) =>
                variable.value?.startsWith(`${m.mountPath}/`),
              );
              const volume = pod.volumes?.find((v) => v.name === mount?.name);
              expect(volume?.secret, `${appOf(deployment)} ${variable.name}`).toBeDefined();
            }
          }
        }
      }
    }
  });

  it("are not in the repository's deployment files", () => {
    const PEM = ["-----", "BEGIN"].join("");
    const files = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
        entry.name === "node_modules" || entry.name.startsWith(".")
          ? []
          : entry.isDirectory()
            ? files(join(dir, entry.name))
            : [join(dir, entry.name)],
      );
    for (const file of [...files(here), ...files(join(repo, "deploy/compose"))]) {
      const text = readFileSync(file, "utf8");
      expect(text.includes(PEM), file).toBe(false);
      expect(/^kind:\s*Secret\b/m.test(text), file).toBe(false);
    }
  });
});

describe("NATS", () => {
  const semver = (tag: string) => (/^(\d+)\.(\d+)\.(\d+)/.exec(tag)?.slice(1) ?? []).map(Number);
  const atLeast = (version: number[], floor: number[]) => {
    for (let i = 0; i < floor.length; i++) {
      if ((version[i] ?? -1) !== floor[i]) return (version[i] ?? -1) > (floor[i] as number);
    }
    return true;
  };

  it("the provisioning job creates every stream of the layout with three replicas", () => {
    for (const objects of rendered.values()) {
      const configMap = objects.find(
        (o) => o.kind === "ConfigMap" && o.metadata.name === "kopru-nats-streams",
      ) as (KubeObject & { data: Record<string, string> }) | undefined;
      const streams = Object.values(configMap?.data ?? {}).map((text) => JSON.parse(text));
      const expected = [...NETWORK_LAYOUT.streams, NETWORK_LAYOUT.deadLetterStream].map((definition) => ({
        ...streamConfig(definition),
        num_replicas: 3,
      }));
      expect(streams).toEqual(expected);
      const job = objects.find((o) => o.kind === "Job") as KubeObject & {
        spec: { template: { spec: PodSpec } };
      };
      expect(job.spec.template.spec.volumes?.some((v) => v.configMap?.name === "kopru-nats-streams")).toBe(
        true,
      );
    }
  });

  it("the chart's values make a three-server JetStream cluster on nats-server 2.12.3 or later, fsync on every write", () => {
    const values = parse(readFileSync(join(here, "nats/values.yaml"), "utf8"));
    expect(values.config.cluster).toMatchObject({ enabled: true, replicas: 3 });
    expect(values.config.jetstream).toMatchObject({ enabled: true, merge: { sync_interval: "always" } });
    expect(atLeast(semver(values.container.image.tag), [2, 12, 3])).toBe(true);
    // The services reach the chart's client Service with TLS when the chart enables it.
    for (const deployment of kopruServices(production)) {
      const url = envOf(deployment).find((v) => v.name === "NATS_URL")?.value;
      if (url) expect(url).toBe(values.config.nats.tls.enabled ? "tls://nats:4222" : "nats://nats:4222");
    }
  });

  it("every key of the values is one the chart reads (free-form only where the chart's default is an empty map)", () => {
    const values = parse(readFileSync(join(here, "nats/values.yaml"), "utf8"));
    const defaults = parse(readFileSync(join(here, "nats/chart-2.14.2-values.yaml"), "utf8"));
    const unknown: string[] = [];
    const walk = (value: unknown, known: unknown, path: string) => {
      if (!value || typeof value !== "object" || Array.isArray(value)) return;
      if (known && typeof known === "object" && !Array.isArray(known) && Object.keys(known).length === 0)
        return;
      for (const [key, child] of Object.entries(value)) {
        const next = (known as Record<string, unknown> | null)?.[key];
        if (known === null || typeof known !== "object" || !(key in (known as object)))
          unknown.push(`${path}${key}`);
        else walk(child, next, `${path}${key}.`);
      }
    };
    walk(values, defaults, "");
    expect(unknown).toEqual([]);
  });

  it("the compose file's NATS is 2.12.3 or later and fsyncs every write too", () => {
    const tag = (compose.services.nats?.image ?? "").split(":")[1] ?? "";
    expect(atLeast(semver(tag), [2, 12, 3]), tag).toBe(true);
    expect(readFileSync(join(repo, "deploy/compose/nats.conf"), "utf8")).toMatch(
      /^\s*sync_interval:\s*always\s*$/m,
    );
  });
});

describe("PostgreSQL and telemetry", () => {
  it("each database is three instances with quorum synchronous replication and nightly backups to object storage", () => {
    for (const [overlay, objects] of rendered) {
      const clusters = ofKind<Cluster>(objects, "Cluster");
      expect(clusters.length, overlay).toBe(kopruServices(objects).length);
      for (const cluster of clusters) {
        const where = `${overlay} ${cluster.metadata.name}`;
        expect(cluster.spec, where).toMatchObject({
          instances: 3,
          postgresql: { synchronous: { method: "any", number: 1, dataDurability: "required" } },
          backup: { barmanObjectStore: { destinationPath: expect.stringMatching(/^s3:\/\//) } },
        });
        const backups = ofKind<KubeObject & { spec: { cluster: { name: string } } }>(
          objects,
          "ScheduledBackup",
        );
        expect(
          backups.filter((b) => b.spec.cluster.name === cluster.metadata.name),
          where,
        ).toHaveLength(1);
      }
      const paths = clusters.map((c) => c.spec.backup.barmanObjectStore.destinationPath);
      expect(new Set(paths).size, overlay).toBe(paths.length);
    }
    const everywhere = [...rendered.values()].flatMap((objects) =>
      ofKind<Cluster>(objects, "Cluster").map((c) => c.spec.backup.barmanObjectStore.destinationPath),
    );
    expect(new Set(everywhere).size, "two networks must not archive into one path").toBe(everywhere.length);
  });

  it("the collector's pipelines use only the receivers, processors and exporters it configures", () => {
    const configMap = production.find(
      (o) => o.kind === "ConfigMap" && o.metadata.name === "otel-collector",
    ) as KubeObject & {
      data: Record<string, string>;
    };
    const config = parse(configMap.data["config.yaml"] as string);
    const pipelines = Object.values(config.service.pipelines) as Record<string, string[]>[];
    expect(pipelines.length).toBeGreaterThan(0);
    for (const pipeline of pipelines) {
      for (const section of ["receivers", "processors", "exporters"]) {
        for (const name of pipeline[section] ?? [])
          expect(Object.keys(config[section] ?? {}), section).toContain(name);
      }
    }
    const ports = (
      production.find((o) => o.kind === "Service" && o.metadata.name === "otel-collector") as KubeObject & {
        spec: { ports: { port: number }[] };
      }
    ).spec.ports.map((p) => p.port);
    const receiverPorts = Object.values(
      config.receivers.otlp.protocols as Record<string, { endpoint: string }>,
    ).map((p) => Number(p.endpoint.split(":")[1]));
    expect(ports.sort()).toEqual(receiverPorts.sort());
  });
});
