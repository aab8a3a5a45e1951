// Public surface of @kopru/mail-catcher: a loopback SMTP server that keeps every message as an .eml
// file (`pnpm start` runs it as the local mail catcher; tests run it as their real SMTP server), and
// a reader for what it kept.
export {
  type MailCatcher,
  MailCatcherAddressError,
  type MailCatcherOptions,
  startMailCatcher,
} from "./catcher.js";
export { type CaughtMail, readMailbox } from "./mailbox.js";

/** The catcher's process entry (`node --import tsx … <this>`), for a launcher or a test to spawn. */
export const MAIL_CATCHER_ENTRY = new URL("./main.ts", import.meta.url);
/** The line the process prints once it listens: group 1 is the SMTP URL, group 2 the folder. */
export const MAIL_CATCHER_READY = /SMTP listening on (smtp:\/\/\S+), writing each message to (.+)$/;
