import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { fc } from "@fast-check/vitest";
import { CSV_COLUMNS } from "@kopru/gateway";
import { PARTNER_API_AUDIENCE } from "@kopru/identity-client";
import { waitFor } from "@kopru/testing";
import { Agent, fetch } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { canary, partnerSystem } from "../support/access.js";
import { query } from "../support/database.js";
import type { ServiceName, TestNetwork } from "../support/network.js";
import { consentBody, PERSON_BODY, SCREENING_BODY, startPartnerNetwork } from "../support/partner-network.js";

// The partner API driven with requests generated from its own OpenAPI document, against the real
// network: bodies, path and query parameters and headers built from each operation's schemas by
// fast-check — mostly close to valid (so they reach the services), some plainly wrong (other types,
// unknown fields, hostile text, broken JSON), with tokens missing, malformed or short of a scope.
// No answer may be 5xx; every refusal is a problem naming its code; nothing is written for a
// request that was refused; and the personal text seeded into the requests never reaches a log.
// A new route in the document is fuzzed without touching this file.

const REQUESTS = Number(process.env.FUZZ_REQUESTS ?? 10_000);
const CONCURRENCY = 16;
const SEED = Number(process.env.FUZZ_SEED ?? Date.now() % 1_000_000);

type Schema = Record<string, unknown>;
interface Operation {
  method: string;
  path: string;
  operationId: string;
  parameters: { in: string; name: string; required?: boolean; schema: Schema }[];
  body?: { type: "json" | "csv"; schema: Schema };
}

const require = createRequire(import.meta.url);
const doc = JSON.parse(
  readFileSync(require.resolve("@kopru/contracts/openapi/partner-api.json"), "utf8"),
) as {
  paths: Record<string, Record<string, Schema>>;
  components: { schemas: Record<string, Schema> };
};

const operations: Operation[] = Object.entries(doc.paths).flatMap(([path, methods]) =>
  Object.entries(methods).map(([method, op]) => {
    const content = (op.requestBody as { content?: Record<string, { schema: Schema }> } | undefined)?.content;
    const json = content?.["application/json"];
    const csv = content?.["text/csv"];
    return {
      method: method.toUpperCase(),
      path,
      operationId: String(op.operationId),
      parameters: (op.parameters ?? []) as Operation["parameters"],
      ...(json ? { body: { type: "json" as const, schema: json.schema } } : {}),
      ...(csv ? { body: { type: "csv" as const, schema: csv.schema } } : {}),
    };
  }),
);

let network: TestNetwork;
let secret: string;
/** Ids that exist, so some generated requests reach real records (and their rules). */
const known = { beneficiaryId: "", consentId: "", referralId: "", target: "" };

function resolve(schema: Schema): Schema {
  const ref = schema.$ref;
  if (typeof ref !== "string") return schema;
  const target = doc.components.schemas[ref.replace("#/components/schemas/", "")];
  if (!target) throw new Error(`unresolved ${ref}`);
  return target;
}

/** Text that breaks something somewhere: controls, bidi, zero-width, injections, sizes. */
function hostileText(): fc.Arbitrary<string> {
  return fc.constantFrom(
    "",
    " ",
    "\u0000",
    "Ay\u202Eşe",
    "\u200BHalabi",
    "\u2067علي\u2069",
    "'; DROP TABLE referrals; --",
    "../../../etc/passwd",
    "%00%2e%2e",
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a log-injection probe, sent as text
    "${jndi:ldap://x}",
    "{{7*7}}",
    "<script>alert(1)</script>",
    "\uD800",
    "😀".repeat(300),
    "a".repeat(20_000),
    "-1",
    "NaN",
    "__proto__",
    `${secret} Halabi`,
  );
}

function stringArb(schema: Schema): fc.Arbitrary<string> {
  const idLike = fc.constantFrom(known.beneficiaryId, known.consentId, known.referralId, known.target);
  const valid =
    schema.format === "uuid"
      ? fc.oneof(fc.uuid(), fc.constant(known.referralId))
      : schema.format === "date-time"
        ? fc
            .date({ min: new Date("2000-01-01"), max: new Date("2100-01-01"), noInvalidDate: true })
            .map((d) => d.toISOString())
        : fc.oneof(
            fc.string({ maxLength: Math.min(Number(schema.maxLength ?? 40), 40) }),
            idLike,
            // Personal-looking text: the canary must never be logged.
            fc.constant(`${secret} Ayşe`),
          );
  return fc.oneof({ weight: 6, arbitrary: valid }, { weight: 1, arbitrary: hostileText() });
}

/** Values close to a schema: what a partner system with a bug or two would send. */
function near(schema: Schema, depth: number): fc.Arbitrary<unknown> {
  const s = resolve(schema);
  if (Array.isArray(s.enum)) {
    return fc.oneof(
      { weight: 8, arbitrary: fc.constantFrom(...(s.enum as string[])) },
      { weight: 1, arbitrary: fc.constantFrom(`${String(s.enum[0])}_NOT`, "", "UNSPECIFIED", 0) },
    );
  }
  switch (s.type) {
    case "object": {
      if (depth > 4) return fc.constant({});
      const properties = (s.properties ?? {}) as Record<string, Schema>;
      if (Object.keys(properties).length === 0 && s.additionalProperties) {
        return fc.dictionary(fc.string({ maxLength: 8 }), near(s.additionalProperties as Schema, depth + 1), {
          maxKeys: 2,
        });
      }
      const record = fc.record(
        Object.fromEntries(Object.entries(properties).map(([key, value]) => [key, near(value, depth + 1)])),
        { requiredKeys: ((s.required ?? []) as string[]).filter((key) => key in properties) },
      );
      return record;
    }
    case "array":
      return depth > 4
        ? fc.constant([])
        : fc.array(near(s.items as Schema, depth + 1), {
            minLength: Math.min(Number(s.minItems ?? 0), 3),
            maxLength: 3,
          });
    case "integer":
      return fc.oneof(
        fc.integer({
          min: Math.max(Number(s.minimum ?? -1_000), -1_000_000),
          max: Math.min(Number(s.maximum ?? 1_000), 1_000_000),
        }),
        fc.constantFrom(-1, 0, 2 ** 53, 1.5),
      );
    case "number":
      return fc.double({ noNaN: true, noDefaultInfinity: true });
    case "boolean":
      return fc.boolean();
    case "string":
      return stringArb(s);
    default:
      return fc.anything();
  }
}

/** Near-valid most of the time; otherwise another type, an unknown field, or anything at all. */
function bodyArb(schema: Schema): fc.Arbitrary<unknown> {
  return fc.oneof(
    { weight: 6, arbitrary: near(schema, 0) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(near(schema, 0), fc.string({ minLength: 1, maxLength: 10 }), fc.jsonValue())
        .map(([value, key, extra]) =>
          value && typeof value === "object" && !Array.isArray(value) ? { ...value, [key]: extra } : value,
        ),
    },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
    { weight: 1, arbitrary: fc.anything({ maxDepth: 2 }).map((v) => v ?? null) },
  );
}

function csvArb(): fc.Arbitrary<string> {
  const cell = fc.oneof(
    fc.string({ maxLength: 12 }),
    fc.constantFrom(
      known.beneficiaryId,
      known.consentId,
      known.target,
      "SERVICE_TYPE_MMCC_COUNSELLING",
      "PRIORITY_URGENT",
      "PURPOSE_SERVICE_PROVISION",
      "DATA_CATEGORY_IDENTITY;DATA_CATEGORY_CONTACT",
      '"quoted, comma"',
      '"unclosed',
      `${secret} rent`,
    ),
  );
  return fc.oneof(
    fc
      .tuple(
        fc.shuffledSubarray([...CSV_COLUMNS], { minLength: 1 }),
        fc.array(fc.array(cell, { minLength: 1, maxLength: 10 }), { maxLength: 4 }),
      )
      .map(([header, rows]) => [header.join(","), ...rows.map((row) => row.join(","))].join("\r\n")),
    fc.string({ maxLength: 200 }),
  );
}

type Auth = "valid" | "none" | "garbage" | "no-scope";

interface FuzzRequest {
  operation: Operation;
  method: string;
  path: string;
  query: [string, string][];
  body: unknown;
  brokenJson: boolean;
  idempotency: "fresh" | "none" | "invalid" | "fixed";
  ifMatch: string | undefined;
  auth: Auth;
}

/** A path segment as a client would encode it (a lone surrogate cannot be: it becomes U+FFFD). */
function pathSegment(value: string): string {
  try {
    return encodeURIComponent(value);
  } catch {
    return encodeURIComponent(value.replace(/[\uD800-\uDFFF]/g, "\uFFFD"));
  }
}

function paramArb(schema: Schema): fc.Arbitrary<string> {
  return near(schema, 0).map((value) => (typeof value === "string" ? value : (JSON.stringify(value) ?? "")));
}

function referralBody() {
  return {
    beneficiaryId: known.beneficiaryId,
    consentId: known.consentId,
    serviceType: "SERVICE_TYPE_MMCC_COUNSELLING",
    priority: "PRIORITY_NORMAL",
    purpose: "PURPOSE_SERVICE_PROVISION",
    reasonForReferral: `${secret} needs counselling`,
    explicitTarget: { organisationId: known.target },
  };
}

/**
 * Valid bodies of the operations that write, so generated requests also reach the services' own
 * rules and create records (the canary stands in the personal text): sent as they are, or with one
 * field replaced by a generated value.
 */
function validBody(operationId: string): fc.Arbitrary<unknown> | undefined {
  switch (operationId) {
    case "registerBeneficiary":
      return fc.constant({ ...PERSON_BODY, familyName: secret });
    case "recordConsent":
      return fc.constant(consentBody(known.beneficiaryId));
    case "screenNeeds":
      return fc.constant(SCREENING_BODY);
    case "createReferral":
      return fc.constant(referralBody());
    case "batchCreateReferrals":
      return fc.array(fc.uuid(), { minLength: 1, maxLength: 3 }).map((refs) => ({
        referrals: refs.map((clientReference) => ({ clientReference, referral: referralBody() })),
      }));
    case "importReferrals":
      return fc
        .uuid()
        .map((ref) =>
          [
            CSV_COLUMNS.join(","),
            `${ref},${known.beneficiaryId},${known.consentId},SERVICE_TYPE_MMCC_COUNSELLING,PRIORITY_NORMAL,PURPOSE_SERVICE_PROVISION,${secret} rent,${known.target},`,
          ].join("\r\n"),
        );
    default:
      return undefined;
  }
}

function withOneFieldGenerated(valid: fc.Arbitrary<unknown>, schema: Schema): fc.Arbitrary<unknown> {
  const properties = (resolve(schema).properties ?? {}) as Record<string, Schema>;
  const keys = Object.keys(properties);
  if (keys.length === 0) return valid;
  return fc
    .tuple(valid, fc.constantFrom(...keys))
    .chain(([body, key]) =>
      near(properties[key] as Schema, 1).map((value) => ({ ...(body as object), [key]: value })),
    );
}

function bodyOf(operation: Operation): fc.Arbitrary<unknown> {
  if (!operation.body) return fc.constant(undefined);
  const generated = operation.body.type === "csv" ? csvArb() : bodyArb(operation.body.schema);
  const valid = validBody(operation.operationId);
  if (!valid) return generated;
  const variants = [
    { weight: 3, arbitrary: generated },
    { weight: 2, arbitrary: valid },
  ];
  if (operation.body.type === "json")
    variants.push({ weight: 3, arbitrary: withOneFieldGenerated(valid, operation.body.schema) });
  return fc.oneof(...variants);
}

function requestArb(operation: Operation): fc.Arbitrary<FuzzRequest> {
  const pathParams = operation.parameters.filter((p) => p.in === "path");
  const queryParams = operation.parameters.filter((p) => p.in === "query");
  return fc.record({
    operation: fc.constant(operation),
    method: fc.oneof(
      { weight: 20, arbitrary: fc.constant(operation.method) },
      { weight: 1, arbitrary: fc.constantFrom("PUT", "DELETE", "PATCH", "GET", "POST") },
    ),
    path: fc
      .tuple(...pathParams.map((p) => paramArb(p.schema)))
      .map((values) =>
        pathParams.reduce(
          (path, p, i) => path.replace(`{${p.name}}`, pathSegment(values[i] as string)),
          operation.path,
        ),
      ),
    query: fc
      .tuple(
        ...queryParams.map((p) =>
          fc.option(
            near(p.schema, 0).map((value) =>
              (Array.isArray(value) ? value : [value]).map((v) => [
                p.name,
                typeof v === "string" ? v : String(v),
              ]),
            ),
            { nil: [] },
          ),
        ),
      )
      .map((pairs) => pairs.flat() as [string, string][]),
    body: bodyOf(operation),
    brokenJson: fc.integer({ min: 0, max: 19 }).map((n) => n === 0),
    idempotency: fc.constantFrom("fresh", "fresh", "fresh", "fresh", "none", "invalid", "fixed"),
    ifMatch: fc.option(fc.constantFrom('"1"', '"2"', '"999"', "*", 'W/"1"', "garbage", '"1", "2"'), {
      nil: undefined,
    }),
    auth: fc.oneof(
      { weight: 15, arbitrary: fc.constant<Auth>("valid") },
      { weight: 1, arbitrary: fc.constantFrom<Auth>("none", "garbage", "no-scope") },
    ),
  });
}

const INTAKE_TABLES = ["beneficiaries", "consents", "screenings", "referrals"] as const;
type Counts = Record<(typeof INTAKE_TABLES)[number], number>;

async function intakeCounts(): Promise<Counts> {
  const url = network.database("intake").url;
  const counts = {} as Counts;
  for (const table of INTAKE_TABLES) {
    const [row] = await query<{ n: string }>(url, `SELECT count(*) AS n FROM ${table}`);
    counts[table] = Number(row?.n);
  }
  return counts;
}

beforeAll(async () => {
  network = await startPartnerNetwork();
  secret = canary();
  known.target = network.orgs.mmccGaziantep;
  // One real person, consent and referral, so generated ids sometimes name records that exist.
  const person = await send("POST", "/v1/beneficiaries", PERSON_BODY);
  known.beneficiaryId = (person.body as { beneficiary: { beneficiaryId: string } }).beneficiary.beneficiaryId;
  const recorded = await send(
    "POST",
    `/v1/beneficiaries/${known.beneficiaryId}/consents`,
    consentBody(known.beneficiaryId),
  );
  known.consentId = (recorded.body as { consent: { consentId: string } }).consent.consentId;
  const screened = await send("POST", `/v1/beneficiaries/${known.beneficiaryId}/screenings`, SCREENING_BODY);
  expect(screened.status, screened.text).toBe(201);
  const referral = await waitFor(
    async () => {
      const created = await send("POST", "/v1/referrals", {
        ...referralBody(),
        reasonForReferral: "needs counselling (synthetic)",
      });
      if (created.status !== 201) throw new Error(created.text);
      return created;
    },
    { timeoutMs: 30_000, message: "a first referral" },
  );
  known.referralId = (referral.body as { referral: { referralId: string } }).referral.referralId;
}, 300_000);

afterAll(async () => {
  await network?.close();
});

let dispatcher: Agent | undefined;
const tokens = new Map<string, { value: string; at: number }>();

/** The caller's Authorization: the referring NGO, or the receiving MMCC for the inbox. */
async function authorization(auth: Auth, receiving = false): Promise<string | undefined> {
  if (auth === "none") return undefined;
  if (auth === "garbage") return "Bearer not.a.token";
  const organisationId = receiving ? network.orgs.mmccGaziantep : network.orgs.ngo;
  const cached = tokens.get(`${auth}/${organisationId}`);
  if (cached && Date.now() - cached.at < 60_000) return cached.value;
  const token =
    auth === "no-scope"
      ? await (
          await network.identity.partnerWithScopes(organisationId, [
            receiving ? "referrals:read" : "inbox:read",
          ])
        ).token(PARTNER_API_AUDIENCE)
      : await network.tokens(partnerSystem(organisationId), PARTNER_API_AUDIENCE);
  tokens.set(`${auth}/${organisationId}`, { value: `Bearer ${token}`, at: Date.now() });
  return `Bearer ${token}`;
}

interface Answer {
  status: number;
  headers: Headers;
  body: unknown;
  text: string;
}

async function raw(
  method: string,
  path: string,
  init: { headers?: Record<string, string>; body?: string | Buffer } = {},
): Promise<Answer> {
  dispatcher ??= new Agent({ connect: { ca: readFileSync(network.pki.caFile) }, connections: CONCURRENCY });
  const response = await fetch(`${network.gatewayUrl()}${path}`, {
    method,
    headers: init.headers ?? {},
    ...(init.body !== undefined ? { body: init.body } : {}),
    dispatcher,
  });
  const text = await response.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  return { status: response.status, headers: response.headers as unknown as Headers, body, text };
}

/** A well-formed request as the partner system (fresh Idempotency-Key on POST). */
async function send(method: string, path: string, body?: unknown): Promise<Answer> {
  return raw(method, path, {
    headers: {
      authorization: (await authorization("valid")) as string,
      ...(body !== undefined ? { "content-type": "application/json", "idempotency-key": randomUUID() } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
}

/**
 * One Idempotency-Key per generated request, so sending it again after a connection reset is a retry
 * of the same request (the gateway replays or waits for the first), never a second one.
 */
const idempotencyKeys = new WeakMap<FuzzRequest, string>();

async function run(request: FuzzRequest): Promise<Answer> {
  const headers: Record<string, string> = {};
  const auth = await authorization(request.auth, request.operation.path.startsWith("/v1/inbox"));
  if (auth) headers.authorization = auth;
  if (request.idempotency === "fresh") {
    const key = idempotencyKeys.get(request) ?? randomUUID();
    idempotencyKeys.set(request, key);
    headers["idempotency-key"] = key;
  }
  if (request.idempotency === "invalid") headers["idempotency-key"] = "not a key \u00e9";
  if (request.idempotency === "fixed") headers["idempotency-key"] = "fuzz-fixed-key";
  if (request.ifMatch !== undefined) headers["if-match"] = request.ifMatch;
  let body: string | undefined;
  if (request.body !== undefined && request.method !== "GET") {
    if (request.operation.body?.type === "csv") {
      headers["content-type"] = "text/csv";
      body = String(request.body);
    } else {
      headers["content-type"] = "application/json";
      body = request.brokenJson
        ? JSON.stringify(request.body).slice(0, -1) || "{"
        : JSON.stringify(request.body);
    }
  }
  const search = new URLSearchParams(request.query).toString();
  return raw(request.method, `${request.path}${search ? `?${search}` : ""}`, {
    headers,
    ...(body !== undefined ? { body } : {}),
  });
}

/**
 * Rows a 2xx answer created at intake. A replayed answer created nothing, unless it replays the first
 * attempt of the same request, whose answer a connection reset lost (`retried`).
 */
function created(request: FuzzRequest, answer: Answer, tally: Counts, retried = false): void {
  if (answer.status < 200 || answer.status >= 300) return;
  if (answer.headers.get("idempotent-replayed") === "true" && !retried) return;
  if (request.method !== request.operation.method) return;
  switch (request.operation.operationId) {
    case "registerBeneficiary":
      tally.beneficiaries += 1;
      break;
    case "recordConsent":
      tally.consents += 1;
      break;
    case "screenNeeds":
      tally.screenings += 1;
      break;
    case "createReferral":
      tally.referrals += 1;
      break;
    case "batchCreateReferrals":
    case "importReferrals":
      for (const result of (answer.body as { results?: { status?: number }[] }).results ?? [])
        if (result.status === 201) tally.referrals += 1;
      break;
    default:
      break;
  }
}

describe("the partner API under generated requests", () => {
  it(`answers ${REQUESTS} generated requests without a 5xx, writes nothing it refused, logs no personal text`, async () => {
    expect(operations.length).toBeGreaterThan(5);
    const samples = fc.sample(fc.oneof(...operations.map(requestArb)), { seed: SEED, numRuns: REQUESTS });
    const before = await intakeCounts();
    const tally: Counts = { beneficiaries: 0, consents: 0, screenings: 0, referrals: 0 };
    const byStatus = new Map<number, number>();
    const failures: string[] = [];
    const unclear: string[] = [];
    let resets = 0;
    const started = Date.now();
    let next = 0;
    const worker = async () => {
      for (let i = next++; i < samples.length; i = next++) {
        const request = samples[i] as FuzzRequest;
        let answer: Answer;
        let retried = false;
        try {
          answer = await run(request);
        } catch (error) {
          // The HTTP layer closes a connection after refusing oversized headers (431); a request
          // already queued on that kept-alive connection sees the reset. A connection can also close
          // under a request still being handled (a loaded machine), whose effects then stand: once
          // more on a new connection with the same Idempotency-Key, until the first attempt's answer
          // (replayed) or a refusal comes back, not the "still in progress" of the first attempt.
          resets += 1;
          retried = true;
          try {
            answer = await waitFor(
              async () => {
                const again = await run(request);
                const code = (again.body as { code?: string } | undefined)?.code;
                return code === "idempotency_request_in_progress" ? undefined : again;
              },
              { timeoutMs: 120_000, message: `the first attempt of ${request.method} ${request.path}` },
            );
          } catch {
            failures.push(`${request.method} ${request.operation.path}: ${(error as Error).message}`);
            continue;
          }
        }
        byStatus.set(answer.status, (byStatus.get(answer.status) ?? 0) + 1);
        const where = `${request.method} ${request.operation.path} (${request.operation.operationId})`;
        if (answer.status >= 500)
          failures.push(`${where}: ${answer.status} ${(answer.body as { code?: string })?.code}`);
        // 431 (headers over Node's limit) is answered by the HTTP parser before any route runs,
        // without a body.
        if (answer.status >= 400 && answer.status < 500 && answer.status !== 431) {
          const problem = answer.body as { code?: unknown; status?: unknown } | undefined;
          if (
            !answer.headers.get("content-type")?.startsWith("application/problem+json") ||
            typeof problem?.code !== "string" ||
            problem.status !== answer.status
          )
            unclear.push(`${where}: ${answer.status}`);
        }
        created(request, answer, tally, retried && request.idempotency === "fresh");
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    const seconds = (Date.now() - started) / 1000;
    console.log(
      `fuzz: ${REQUESTS} requests in ${seconds.toFixed(1)} s (seed ${SEED}), by status ${JSON.stringify(Object.fromEntries([...byStatus].sort()))}, ${resets} connection resets retried`,
    );
    expect(failures, `seed ${SEED}`).toEqual([]);
    expect((await raw("GET", "/healthz")).status).toBe(200);
    expect(unclear.slice(0, 20), `seed ${SEED}`).toEqual([]);
    // Every row intake holds now was made by a request that was answered as having made it.
    const after = await intakeCounts();
    for (const table of INTAKE_TABLES) expect(after[table] - before[table], table).toBe(tally[table]);
    const services: ServiceName[] = [
      "gateway",
      "intake",
      "coordination",
      "municipality",
      "ecm",
      "protection",
    ];
    for (const name of services) expect(network.logs(name), name).not.toContain(secret);
  }, 900_000);
});

describe("hostile requests", () => {
  it("refuses a body over the limit with 413, before reading it whole", async () => {
    const big = JSON.stringify({ givenName: "a".repeat(2 * 1024 * 1024) });
    const answer = await raw("POST", "/v1/beneficiaries", {
      headers: {
        authorization: (await authorization("valid")) as string,
        "content-type": "application/json",
        "idempotency-key": randomUUID(),
      },
      body: big,
    });
    expect(answer.status).toBe(413);
    expect((answer.body as { code: string }).code).toBe("payload_too_large");
  });

  it("refuses a path that is not valid percent-encoding, or an over-long id, with a problem", async () => {
    for (const path of ["/v1/referrals/%E0%A4%A", `/v1/referrals/${"a".repeat(5_000)}`]) {
      const answer = await raw("GET", path, {
        headers: { authorization: (await authorization("valid")) as string },
      });
      expect(answer.status, path.slice(0, 40)).toBe(400);
      expect(answer.headers.get("content-type")).toMatch(/^application\/problem\+json/);
      expect((answer.body as { invalid_params: { name: string }[] }).invalid_params[0]?.name).toBe("(path)");
    }
  });

  it("refuses JSON nested 100,000 levels deep with 400", async () => {
    for (const nested of [
      "[".repeat(100_000) + "]".repeat(100_000),
      `${'{"a":'.repeat(100_000)}1${"}".repeat(100_000)}`,
    ]) {
      for (const path of ["/v1/beneficiaries", "/v1/referrals:batch"]) {
        const answer = await raw("POST", path, {
          headers: {
            authorization: (await authorization("valid")) as string,
            "content-type": "application/json",
            "idempotency-key": randomUUID(),
          },
          body: nested,
        });
        expect(answer.status, path).toBe(400);
        expect((answer.body as { code: string }).code).toBe("invalid_argument");
      }
    }
    // And inside a field the schema knows.
    const deep = `{"residence":${'{"provinceCode":'.repeat(50_000)}"x"${"}".repeat(50_000)}}`;
    const answer = await raw("POST", "/v1/beneficiaries", {
      headers: {
        authorization: (await authorization("valid")) as string,
        "content-type": "application/json",
        "idempotency-key": randomUUID(),
      },
      body: deep,
    });
    expect(answer.status).toBe(400);
  });

  it("refuses bidirectional controls and zero-width characters in names with a 4xx naming the field", async () => {
    const count = await intakeCounts();
    for (const [field, value] of [
      ["givenName", "Ay\u202Eşe"],
      ["familyName", "Hala\u200Bbi"],
      ["givenName", "\u200B"],
      ["familyName", "\u2067Halabi\u2069"],
    ] as const) {
      const answer = await send("POST", "/v1/beneficiaries", {
        ...PERSON_BODY,
        [field]: value,
      });
      expect(answer.status, `${field} ${JSON.stringify(value)}`).toBe(400);
      const problem = answer.body as { code: string; invalid_params?: { name: string }[] };
      expect(problem.invalid_params?.map((p) => p.name)).toContain(field);
    }
    expect(await intakeCounts()).toEqual(count);
  });
});
