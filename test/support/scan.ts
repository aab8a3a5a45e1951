import { execFile } from "node:child_process";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { promisify } from "node:util";
import { attributeStrings, type ReceivedSpan } from "./otlp-receiver.js";

// Where personal data could leak to, searched for canary strings: a dump of a service's database,
// the nats-server's store directory, a process's log lines, the spans exported over OTLP. Every
// finding says where the canary was, so a failing assertion points at the leak.
//
// A canary is looked for as written and case-insensitively (a normalised name is still the name),
// in the clear and inside the encodings a value is commonly stored in: PostgreSQL's bytea hex, hex
// text, and base64 (e.g. a protobuf payload kept in a JSON document). Sealed data holds none of
// them: it is ciphertext in every encoding.

const run = promisify(execFile);

/** Where one canary was found. */
export interface Finding {
  canary: string;
  /** e.g. `database intake: beneficiaries.given_name`, `nats store: jetstream/…/1.blk @ 4120`. */
  where: string;
}

/** The haystacks a value stands for: itself, and what its hex or base64 tokens decode to. */
function decodings(text: string): Buffer[] {
  const out: Buffer[] = [Buffer.from(text, "utf8")];
  if (text.startsWith("\\x") && /^\\x[0-9a-fA-F]*$/.test(text)) out.push(Buffer.from(text.slice(2), "hex"));
  for (const [token] of text.matchAll(/[0-9a-fA-F]{24,}/g)) {
    out.push(Buffer.from(token.length % 2 === 0 ? token : token.slice(1), "hex"));
  }
  for (const [token] of text.matchAll(/[A-Za-z0-9+/_-]{16,}={0,2}/g)) {
    out.push(Buffer.from(token, "base64"));
  }
  return out;
}

/** Byte offset of `canary` in `bytes` (ASCII case-insensitive), or -1. */
function indexOfCanary(bytes: Buffer, canary: string): number {
  return bytes.toString("latin1").toLowerCase().indexOf(canary.toLowerCase());
}

function searchText(text: string, canaries: readonly string[], where: string, into: Finding[]): void {
  const haystacks = decodings(text);
  for (const canary of canaries) {
    if (haystacks.some((bytes) => indexOfCanary(bytes, canary) >= 0)) into.push({ canary, where });
  }
}

/** Undoes COPY's text escaping (`\\`, `\t`, `\n`, `\r`, …) of one field. */
function unescapeCopyField(field: string): string {
  return field.replace(/\\(.)/g, (_, c: string) =>
    c === "t" ? "\t" : c === "n" ? "\n" : c === "r" ? "\r" : c === "b" ? "\b" : c === "f" ? "\f" : c,
  );
}

/**
 * Dumps the whole database with pg_dump (every schema, table, sequence and large object) and
 * searches every field of every row, naming table and column; bytea columns are decoded first.
 * Anything outside row data (e.g. a default, a comment) is searched line by line as well.
 */
export async function scanDatabase(
  label: string,
  url: string,
  canaries: readonly string[],
): Promise<Finding[]> {
  const { stdout } = await run("pg_dump", ["--no-owner", "--no-privileges", "--dbname", url], {
    maxBuffer: 1 << 30,
    encoding: "utf8",
  });
  const findings: Finding[] = [];
  let copy: { table: string; columns: string[] } | undefined;
  const lines = stdout.split("\n");
  for (const [index, line] of lines.entries()) {
    if (copy) {
      if (line === "\\.") {
        copy = undefined;
        continue;
      }
      const fields = line.split("\t");
      for (const [i, raw] of fields.entries()) {
        if (raw === "\\N") continue;
        searchText(
          unescapeCopyField(raw),
          canaries,
          `database ${label}: ${copy.table}.${copy.columns[i] ?? `#${i}`}`,
          findings,
        );
      }
      continue;
    }
    const header = /^COPY (\S+) \((.*)\) FROM stdin;$/.exec(line);
    if (header) {
      copy = {
        table: (header[1] as string).replace(/^public\./, ""),
        columns: (header[2] as string).split(", ").map((c) => c.replace(/^"|"$/g, "")),
      };
      continue;
    }
    searchText(line, canaries, `database ${label}: dump line ${index + 1}`, findings);
  }
  return dedupe(findings);
}

/** Every file under `dir`, read as bytes (JetStream's message blocks, indexes, metadata). */
export function scanDirectory(label: string, dir: string, canaries: readonly string[]): Finding[] {
  const findings: Finding[] = [];
  const visit = (path: string) => {
    const stat = statSync(path, { throwIfNoEntry: false });
    if (!stat) return; // removed while we walked (a compacted block)
    if (stat.isDirectory()) {
      for (const entry of readdirSync(path)) visit(join(path, entry));
      return;
    }
    if (!stat.isFile()) return;
    let bytes: Buffer;
    try {
      bytes = readFileSync(path);
    } catch {
      return;
    }
    for (const canary of canaries) {
      const at = indexOfCanary(bytes, canary);
      if (at >= 0) findings.push({ canary, where: `${label}: ${relative(dir, path)} @ ${at}` });
    }
    // Text the store may keep (JSON metadata) is searched for encoded canaries too.
    const encoded: Finding[] = [];
    searchText(bytes.toString("latin1"), canaries, `${label}: ${relative(dir, path)} (decoded)`, encoded);
    for (const found of encoded) {
      if (
        !findings.some(
          (f) => f.canary === found.canary && f.where.startsWith(`${label}: ${relative(dir, path)} @`),
        )
      )
        findings.push(found);
    }
  };
  visit(dir);
  return findings;
}

/** Whether any file under `dir` holds `marker` as bytes: proof the store has what was published. */
export function directoryHolds(dir: string, marker: string): boolean {
  const probe = Buffer.from(marker, "utf8");
  const visit = (path: string): boolean => {
    const stat = statSync(path, { throwIfNoEntry: false });
    if (!stat) return false;
    if (stat.isDirectory()) return readdirSync(path).some((entry) => visit(join(path, entry)));
    try {
      return stat.isFile() && readFileSync(path).includes(probe);
    } catch {
      return false;
    }
  };
  return visit(dir);
}

/** Every log line of every process, each source named (`intake`, `intake (stopped #1)`, …). */
export function scanLogs(
  sources: readonly { source: string; lines: readonly string[] }[],
  canaries: readonly string[],
): Finding[] {
  const findings: Finding[] = [];
  for (const { source, lines } of sources) {
    for (const [index, line] of lines.entries()) {
      searchText(line, canaries, `log ${source} line ${index + 1}: ${line.slice(0, 160)}`, findings);
    }
  }
  return findings;
}

/** Every exported span: name, status, attributes, events, links and the resource it came with. */
export function scanSpans(spans: readonly ReceivedSpan[], canaries: readonly string[]): Finding[] {
  const findings: Finding[] = [];
  for (const span of spans) {
    const texts = [
      span.name,
      span.status?.message ?? "",
      ...attributeStrings(span.attributes),
      ...attributeStrings(span.resource),
      ...(span.events ?? []).flatMap((event) => [event.name, ...attributeStrings(event.attributes)]),
      ...(span.links ?? []).flatMap((link) => attributeStrings(link.attributes)),
    ];
    for (const text of texts) {
      searchText(text, canaries, `span ${span.service} "${span.name}"`, findings);
    }
  }
  return dedupe(findings);
}

function dedupe(findings: Finding[]): Finding[] {
  const seen = new Set<string>();
  return findings.filter((f) => {
    const key = `${f.canary}\u0000${f.where}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** A short list for an assertion message: where each canary was found. */
export function describeFindings(findings: readonly Finding[], limit = 40): string[] {
  return findings.slice(0, limit).map((f) => `${f.canary} in ${f.where}`);
}
