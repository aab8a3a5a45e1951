import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** No package.json above a module that asked for its package's migrations. */
export class PackageRootNotFoundError extends Error {
  override readonly name = "PackageRootNotFoundError";
  constructor(readonly modulePath: string) {
    super(`no package.json above ${modulePath}: cannot locate its package's migrations/ directory`);
  }
}

/**
 * The `migrations/` directory of the package that holds `moduleUrl` (pass `import.meta.url`).
 * Found by walking up to the nearest package.json rather than by a fixed `../migrations`, because
 * the same module runs from `src/` in development and from `dist/src/` once built.
 */
export function packageMigrationsDir(moduleUrl: string | URL): string {
  const modulePath = fileURLToPath(moduleUrl);
  let dir = dirname(modulePath);
  for (;;) {
    if (existsSync(join(dir, "package.json"))) return join(dir, "migrations");
    const parent = dirname(dir);
    if (parent === dir) throw new PackageRootNotFoundError(modulePath);
    dir = parent;
  }
}
