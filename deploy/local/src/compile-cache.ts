import { enableCompileCache } from "node:module";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * Node's on-disk compile cache (V8 code cache per module) for the launcher and every process it
 * starts: beside the PGlite template under node_modules/.cache, so `--fresh` keeps it. A start
 * then deserialises the compiled code of the few thousand modules a service loads instead of
 * parsing and compiling them again. Node checks each entry against the module's source, so a
 * rebuilt module is compiled afresh and its entry replaced.
 */
export function compileCacheDir(): string {
  // deploy/local/src or deploy/local/dist: the repository root is three levels up from either.
  return join(
    fileURLToPath(new URL("../../../", import.meta.url)),
    "node_modules",
    ".cache",
    "kopru",
    "compile",
  );
}

/**
 * The environment a child starts with, with Node's compile cache switched on in it (Node reads
 * NODE_COMPILE_CACHE before it loads the first module, preloads included). A directory or
 * NODE_DISABLE_COMPILE_CACHE the caller set already is left as it is.
 */
export function withCompileCache(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  if (env.NODE_COMPILE_CACHE || env.NODE_DISABLE_COMPILE_CACHE) return env;
  return { ...env, NODE_COMPILE_CACHE: compileCacheDir() };
}

/** Switches the cache on in this process, for the modules it imports from now on. */
export function enableLauncherCompileCache(): void {
  if (process.env.NODE_DISABLE_COMPILE_CACHE) return;
  enableCompileCache(process.env.NODE_COMPILE_CACHE || compileCacheDir());
}
