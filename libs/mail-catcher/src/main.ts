import { resolve } from "node:path";
import { startMailCatcher } from "./catcher.js";

// `MAIL_DIR=.data/mail SMTP_PORT=2525 node … src/main.ts`: the catcher as a process of its own (the
// launcher's, the tests'). One plain line once it listens, for people and the code that reads it.
const dir = resolve(process.env.MAIL_DIR ?? ".data/mail");
const catcher = await startMailCatcher({
  dir,
  host: process.env.SMTP_HOST ?? "127.0.0.1",
  port: Number(process.env.SMTP_PORT ?? 0),
});
console.log(`[mail-catcher] SMTP listening on ${catcher.url}, writing each message to ${dir}`);
const stop = async () => {
  await catcher.close();
  process.exit(0);
};
process.once("SIGTERM", stop);
process.once("SIGINT", stop);
