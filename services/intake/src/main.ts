import { runService } from "@kopru/service-kit";
import { intakeService } from "./app.js";

await runService(intakeService);
