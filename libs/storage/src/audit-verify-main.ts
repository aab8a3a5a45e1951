import { runAuditVerify } from "./audit-verify-cli.js";

// `pnpm audit:verify --service intake`: see runAuditVerify for the options.
process.exitCode = await runAuditVerify(process.argv.slice(2), {
  out: (line) => console.log(line),
  err: (line) => console.error(line),
  env: process.env,
});
