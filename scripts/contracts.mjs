#!/usr/bin/env node
// Keeps proto/ and the generated TypeScript in libs/contracts in step.
//   generate: buf generate + descriptor set (used by gRPC server reflection)
//   check:    buf lint, buf format, buf breaking, and a drift check that regenerates into a
//             temporary directory and fails when the committed output differs.
import { execFileSync } from "node:child_process";
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const genDir = join(root, "libs/contracts/src/gen");
const descriptorSet = join(root, "libs/contracts/descriptor-set.binpb");
const buf = join(root, "node_modules/.bin/buf");
// The partner API's OpenAPI document and the TypeScript types generated from it (openapi-typescript):
// generated from the gateway's routes, which take their schemas from the contracts.
const openApiDir = join(genDir, "openapi");
const openApiJson = "partner-api.json";
const openApiTypes = "partner-api.ts";
// The staff console's allow-listed RPCs (the gateway's console proxy), as an OpenAPI document that is
// not served, and the types the console imports: `ConsoleRpc[service][Method]` = { request, response }.
const consoleApiJson = "console-api.json";
const consoleApiTypes = "console-api.ts";
const generatedFiles = [openApiJson, openApiTypes, consoleApiJson, consoleApiTypes];

function writeOpenApi(outDir) {
  mkdirSync(outDir, { recursive: true });
  const document = execFileSync(
    process.execPath,
    ["--import", "tsx", "--conditions=kopru-source", "src/openapi.ts"],
    { cwd: join(root, "services/gateway"), stdio: ["ignore", "pipe", "pipe"], encoding: "utf8" },
  );
  writeFileSync(join(outDir, openApiJson), document);
  execFileSync(
    join(root, "node_modules/.bin/openapi-typescript"),
    [join(outDir, openApiJson), "--output", join(outDir, openApiTypes)],
    { cwd: root, stdio: ["ignore", "pipe", "pipe"] },
  );
  writeConsoleApi(outDir);
}

function writeConsoleApi(outDir) {
  const document = execFileSync(
    process.execPath,
    ["--import", "tsx", "--conditions=kopru-source", "src/console-api.ts"],
    { cwd: join(root, "services/gateway"), stdio: ["ignore", "pipe", "pipe"], encoding: "utf8" },
  );
  writeFileSync(join(outDir, consoleApiJson), document);
  execFileSync(
    join(root, "node_modules/.bin/openapi-typescript"),
    [join(outDir, consoleApiJson), "--enum-values", "--output", join(outDir, consoleApiTypes)],
    { cwd: root, stdio: ["ignore", "pipe", "pipe"] },
  );
  // One entry per allow-listed method, read back from the document's paths.
  const services = new Map();
  const schemaName = (schema) => schema.$ref.replace("#/components/schemas/", "");
  for (const [path, item] of Object.entries(JSON.parse(document).paths)) {
    const [, service, method] = /^\/console\/api\/rpc\/([^/]+)\/([^/]+)$/.exec(path);
    const request = schemaName(item.post.requestBody.content["application/json"].schema);
    const response = schemaName(item.post.responses["200"].content["application/json"].schema);
    if (!services.has(service)) services.set(service, []);
    services
      .get(service)
      .push(
        `    ${method}: {\n      request: components["schemas"]["${request}"];\n      response: components["schemas"]["${response}"];\n    };`,
      );
  }
  const rpc = [...services]
    .map(([service, methods]) => `  ${JSON.stringify(service)}: {\n${methods.join("\n")}\n  };`)
    .join("\n");
  const types = readFileSync(join(outDir, consoleApiTypes), "utf8");
  writeFileSync(
    join(outDir, consoleApiTypes),
    `${types}
/** The console's RPCs: \`ConsoleRpc[service][Method]\` is the request and response, as proto3 JSON. */
export interface ConsoleRpc {
${rpc}
}
export type ConsoleService = keyof ConsoleRpc;
export type ConsoleMethod<S extends ConsoleService> = keyof ConsoleRpc[S] & string;
/** An RFC 9457 problem, as every failed console call answers. */
export type ConsoleProblem = components["schemas"]["Problem"];
`,
  );
}

function run(args, options = {}) {
  return execFileSync(buf, args, {
    cwd: root,
    stdio: ["ignore", "pipe", "pipe"],
    encoding: "utf8",
    ...options,
  });
}

function step(name, fn) {
  try {
    fn();
    console.log(`contracts: ${name} ok`);
  } catch (error) {
    const output = `${error.stdout ?? ""}${error.stderr ?? ""}`.trim();
    console.error(`contracts: ${name} FAILED\n${output || error.message}`);
    process.exitCode = 1;
  }
}

function generate(outRoot) {
  const template = readFileSync(join(root, "buf.gen.yaml"), "utf8").replace(
    "out: libs/contracts/src/gen",
    `out: ${join(outRoot, "gen")}`,
  );
  run(["generate", "--template", template]);
  run([
    "build",
    "--as-file-descriptor-set",
    "--exclude-source-info",
    "-o",
    join(outRoot, "descriptor-set.binpb"),
  ]);
}

function listFiles(dir, base = dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? listFiles(path, base) : [relative(base, path)];
  });
}

function gitRefExists(ref) {
  try {
    execFileSync("git", ["rev-parse", "--verify", "--quiet", `${ref}^{commit}`], {
      cwd: root,
      stdio: "ignore",
    });
    return true;
  } catch {
    return false;
  }
}

function gitRefHasProto(ref) {
  try {
    execFileSync("git", ["cat-file", "-e", `${ref}:proto`], { cwd: root, stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

const command = process.argv[2];
if (command === "generate") {
  const out = mkdtempSync(join(tmpdir(), "kopru-contracts-"));
  generate(out);
  rmSync(genDir, { recursive: true, force: true });
  cpSync(join(out, "gen"), genDir, { recursive: true });
  cpSync(join(out, "descriptor-set.binpb"), descriptorSet);
  rmSync(out, { recursive: true, force: true });
  writeOpenApi(openApiDir);
  console.log(
    "contracts: generated libs/contracts/src/gen, descriptor-set.binpb, the partner API's OpenAPI and the console's RPC types",
  );
} else if (command === "check") {
  step("buf lint", () => run(["lint"]));
  step("buf format", () => run(["format", "--diff", "--exit-code"]));
  step("buf breaking", () => {
    // Compare with the landed contracts: an explicit base, else origin/main, else the last commit
    // (which catches an uncommitted breaking edit in a working tree).
    const candidates = [process.env.KOPRU_BREAKING_AGAINST, "origin/main", "HEAD"].filter(Boolean);
    const base = candidates.find((ref) => gitRefExists(ref));
    if (!base || !gitRefHasProto(base)) {
      console.log("contracts: no landed contracts to compare with yet");
      return;
    }
    run(["breaking", "--against", `.git#ref=${base},subdir=.`]);
  });
  step("generated code matches proto/", () => {
    const out = mkdtempSync(join(tmpdir(), "kopru-contracts-"));
    try {
      generate(out);
      const expected = listFiles(join(out, "gen")).sort();
      const actual = listFiles(genDir)
        .filter((file) => !file.startsWith("openapi/"))
        .sort();
      const drifted = [];
      for (const file of new Set([...expected, ...actual])) {
        const a = join(out, "gen", file);
        const b = join(genDir, file);
        if (!existsSync(a) || !existsSync(b) || !readFileSync(a).equals(readFileSync(b))) drifted.push(file);
      }
      if (
        !existsSync(descriptorSet) ||
        !readFileSync(descriptorSet).equals(readFileSync(join(out, "descriptor-set.binpb")))
      ) {
        drifted.push("descriptor-set.binpb");
      }
      if (drifted.length > 0) {
        throw new Error(
          `generated TypeScript is out of date with proto/ (run \`pnpm contracts:generate\`):\n  ${drifted.join("\n  ")}`,
        );
      }
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
  step("partner API and console OpenAPI and their types match the gateway", () => {
    const out = mkdtempSync(join(tmpdir(), "kopru-openapi-"));
    try {
      writeOpenApi(out);
      const drifted = generatedFiles.filter((file) => {
        const committed = join(openApiDir, file);
        return !existsSync(committed) || !readFileSync(committed).equals(readFileSync(join(out, file)));
      });
      if (drifted.length > 0) {
        throw new Error(
          `the gateway's generated OpenAPI is out of date (run \`pnpm contracts:generate\`):\n  ${drifted.join("\n  ")}`,
        );
      }
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
} else {
  console.error("usage: contracts.mjs generate|check");
  process.exitCode = 2;
}
