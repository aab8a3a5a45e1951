// `pnpm start`: switches Node's compile cache on before the launcher's modules are loaded, since
// only modules imported after that are read from it (compile-cache.ts).
import { enableLauncherCompileCache } from "./compile-cache.js";

enableLauncherCompileCache();
await import("./command.js");
