import { lifecycleSuite } from "./lifecycle-suite.js";

// The same closed loop on the embedded default (PGlite under DATA_DIR), which `pnpm start` runs.
lifecycleSuite({ embedded: true });
