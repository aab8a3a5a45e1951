import { runService } from "@kopru/service-kit";
import { spec } from "./app.js";

await runService(spec);
