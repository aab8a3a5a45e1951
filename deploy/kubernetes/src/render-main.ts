// `pnpm --filter @kopru/kubernetes render <overlay>`: prints an overlay as `kubectl kustomize` would,
// after validating every object offline (exit 1 with the problems instead when one is invalid).
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { stringify } from "yaml";
import { renderKustomization } from "./kustomize.js";
import { validateObject } from "./validate.js";

const overlay = process.argv[2] ?? "production";
const objects = renderKustomization(join(fileURLToPath(new URL("..", import.meta.url)), "overlays", overlay));
const problems = objects.flatMap(validateObject);
if (problems.length > 0) {
  for (const problem of problems) console.error(problem);
  process.exit(1);
}
process.stdout.write(objects.map((object) => stringify(object, { lineWidth: 0 })).join("---\n"));
