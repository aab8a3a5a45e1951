import { exitOnConfigError } from "@kopru/config";
import { shutdownTelemetry } from "@kopru/observability";
import closeWithGrace from "close-with-grace";
import { loadIdentityConfig } from "./config.js";
import { startIdentity } from "./start.js";

const config = exitOnConfigError(() => loadIdentityConfig());
const running = await startIdentity(config);
// One plain line once it serves, for people and the tests that read it.
console.log(`[identity] OpenID provider ${config.issuer} listening on ${running.address}`);
closeWithGrace({ delay: 10_000 }, async ({ signal, err }) => {
  if (err) running.logger.error({ err }, "stopping after an unexpected error");
  else running.logger.info({ signal }, "stopping");
  await running.stop();
  await shutdownTelemetry();
});
