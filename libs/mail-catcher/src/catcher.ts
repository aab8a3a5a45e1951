import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { SMTPServer } from "smtp-server";

/** Only the loopback: the catcher accepts mail from anyone who can connect and keeps all of it. */
const LOOPBACK = new Set(["127.0.0.1", "::1", "localhost"]);

/** The catcher was asked to listen beyond this machine. */
export class MailCatcherAddressError extends Error {
  override readonly name = "MailCatcherAddressError";
  readonly code = "MAIL_CATCHER_NOT_LOOPBACK";
}

export interface MailCatcherOptions {
  /** Where each message is written, as `<received-at>-<n>.eml`. Created when missing. */
  dir: string;
  /** Loopback only; default 127.0.0.1. */
  host?: string;
  /** Default 0: a free port. */
  port?: number;
  /** Largest message accepted, bytes; default 10 MiB. */
  maxBytes?: number;
}

export interface MailCatcher {
  /** `smtp://127.0.0.1:<port>`: what a sender's SMTP_URL is set to. */
  url: string;
  dir: string;
  /** Messages kept so far. */
  readonly received: number;
  close(): Promise<void>;
}

/**
 * A real SMTP server on the loopback that accepts every message (no authentication, no TLS: it
 * serves this machine only) and writes it unchanged, as received, to `dir` as an .eml file — the
 * file appears whole (written aside, then renamed), so a reader never sees half a message.
 */
export async function startMailCatcher(options: MailCatcherOptions): Promise<MailCatcher> {
  const host = options.host ?? "127.0.0.1";
  if (!LOOPBACK.has(host))
    throw new MailCatcherAddressError(`the mail catcher listens on the loopback only, not ${host}`);
  mkdirSync(options.dir, { recursive: true });
  let received = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["AUTH", "STARTTLS"],
    banner: "Köprü local mail catcher (nothing is delivered)",
    size: options.maxBytes ?? 10 * 1024 * 1024,
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("error", callback);
      stream.on("end", () => {
        if ((stream as unknown as { sizeExceeded?: boolean }).sizeExceeded) {
          callback(Object.assign(new Error("message too large"), { responseCode: 552 }));
          return;
        }
        received += 1;
        const name = `${new Date().toISOString().replace(/[:.]/g, "-")}-${String(received).padStart(4, "0")}-${session.id}.eml`;
        const tmp = join(options.dir, `.${name}.part`);
        writeFileSync(tmp, Buffer.concat(chunks));
        renameSync(tmp, join(options.dir, name));
        callback();
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  // Errors of one connection (a client hanging up) must not stop the server.
  server.on("error", () => {});
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://${host.includes(":") ? `[${host}]` : host}:${port}`,
    dir: options.dir,
    get received() {
      return received;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
