import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { ErrorCatalogue } from "./errors.js";

/* Test support (reached through `@kopru/service-kit/error-check`): never imported at run time. */

// A class field `code` set to a string literal, with or without a type and `override`.
const CODE_DECLARATION = /\breadonly code(?:\s*:\s*[\w.]+)?\s*=\s*"([a-z_]+)"/g;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith(".ts") && !entry.name.endsWith(".test.ts"))
    .map((entry) => join(entry.parentPath, entry.name));
}

/** Every error code that an error class under `sourceDir` carries, with the files that declare it. */
export function errorCodesDeclaredIn(sourceDir: string): Map<string, string[]> {
  const codes = new Map<string, string[]>();
  for (const file of sourceFiles(sourceDir)) {
    for (const match of readFileSync(file, "utf8").matchAll(CODE_DECLARATION)) {
      const code = match[1] as string;
      codes.set(code, [...(codes.get(code) ?? []), file]);
    }
  }
  return codes;
}

/** Codes thrown by the classes under the given source folders that the catalogue does not declare. */
export function undeclaredErrorCodes(catalogue: ErrorCatalogue, sourceDirs: readonly string[]): string[] {
  const declared = new Set(catalogue.codes);
  return sourceDirs
    .flatMap((dir) => [...errorCodesDeclaredIn(dir).keys()])
    .filter((code) => !declared.has(code))
    .sort();
}
