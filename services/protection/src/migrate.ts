import { migrateService } from "@kopru/casework";
import { spec } from "./app.js";

// Applies the service's migrations (libraries' first, then its own) and exits; `pnpm migrate`.
await migrateService(spec);
