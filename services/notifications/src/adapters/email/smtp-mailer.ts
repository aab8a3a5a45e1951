import { createTransport } from "nodemailer";
import type { Mailer, OutgoingEmail } from "../../application/ports.js";

/**
 * Email over SMTP with nodemailer: `SMTP_URL` is nodemailer's connection URL (`smtp://host:port`,
 * `smtps://user:password@host:465`, options as query parameters). Each send resolves once the
 * server accepted the message.
 */
export function smtpMailer(options: { url: string; from: string }): Mailer {
  const transport = createTransport(options.url);
  return {
    async send(email: OutgoingEmail) {
      const info = await transport.sendMail({
        from: options.from,
        to: email.to,
        subject: email.subject,
        text: email.text,
        html: email.html,
        headers: email.headers,
      });
      return { messageId: typeof info.messageId === "string" ? info.messageId : undefined };
    },
    close: () => transport.close(),
  };
}
