import { runService } from "@kopru/service-kit";
import { notificationsService } from "./app.js";

await runService(notificationsService);
