import { join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * Node's on-disk compile cache (V8 code cache per module) for the services the launcher starts on
 * PostgreSQL: beside the PGlite template under node_modules/.cache, so `--fresh` keeps it. A start
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

/**
 * The environment of a service the launcher starts: with the compile cache on PostgreSQL, without
 * it on PGlite. Code read from the cache costs memory (V8 materialises every function the cache
 * holds, not only those a start compiles): 5–10 MB a process, which pushed the seeded PGlite
 * network past its 2.5 GB budget (2,569 against 2,475 MB), while PGlite's own start, not the
 * compiling of JavaScript, is most of such a service's start.
 */
export function serviceEnvWithCompileCache(
  env: NodeJS.ProcessEnv,
  plan: { databaseUrl: string | undefined },
): NodeJS.ProcessEnv {
  return plan.databaseUrl ? withCompileCache(env) : env;
}
