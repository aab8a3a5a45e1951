import { runService } from "@kopru/service-kit";
import { matchingService } from "./app.js";

await runService(matchingService);
