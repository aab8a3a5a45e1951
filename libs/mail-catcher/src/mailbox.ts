import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { AddressObject } from "mailparser";

/** One message the catcher kept, parsed. */
export interface CaughtMail {
  file: string;
  from: string;
  to: string[];
  subject: string;
  text: string;
  html: string;
  /** The message exactly as received (headers and encoded body). */
  raw: string;
  /** Header name (lower case) → value as text. */
  headers: Record<string, string>;
}

function addresses(value: AddressObject | AddressObject[] | undefined): string[] {
  const list = value === undefined ? [] : Array.isArray(value) ? value : [value];
  return list.flatMap((entry) => entry.value.map((address) => address.address ?? "")).filter(Boolean);
}

/** Every .eml file in `dir`, oldest first, parsed (MIME decoded: what a reader would see). */
export async function readMailbox(dir: string): Promise<CaughtMail[]> {
  let files: string[];
  try {
    files = readdirSync(dir)
      .filter((file) => file.endsWith(".eml"))
      .sort();
  } catch {
    return [];
  }
  // Loaded only to read: the launcher runs the catcher in its own process and never reads.
  const { simpleParser } = await import("mailparser");
  const mails: CaughtMail[] = [];
  for (const file of files) {
    const raw = readFileSync(join(dir, file), "utf8");
    const parsed = await simpleParser(raw);
    const headers: Record<string, string> = {};
    for (const line of parsed.headerLines) headers[line.key] = line.line.slice(line.key.length + 1).trim();
    mails.push({
      file,
      from: addresses(parsed.from)[0] ?? "",
      to: addresses(parsed.to),
      subject: parsed.subject ?? "",
      text: parsed.text ?? "",
      html: typeof parsed.html === "string" ? parsed.html : "",
      raw,
      headers,
    });
  }
  return mails;
}
