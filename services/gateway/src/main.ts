import { runService } from "@kopru/service-kit";
import { gatewayService } from "./app.js";

await runService(gatewayService);
