import { runService } from "@kopru/service-kit";
import { coordinationService } from "./app.js";

await runService(coordinationService);
