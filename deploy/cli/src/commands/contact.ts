import { UpdateContactDetailsResponse } from "@kopru/contracts/intake/v1/intake_service";
import {
  ContactAttemptMethod,
  ContactAttemptResult,
  ListContactAttemptsResponse,
  RecordContactAttemptResponse,
} from "@kopru/contracts/referral/v1/inbox_service";
import type { Command } from "commander";
import {
  type ContactAttemptOptions,
  type ContactOptions,
  contactAttemptRequest,
  contactRequest,
  windowText,
} from "../contact-requests.js";
import { type CliIo, CommandContext, collect } from "../context.js";
import { enumName } from "../enums.js";
import { fields, table, time } from "../format.js";
import type { Gateway } from "../grpc.js";

// Safe contact (ADR 0018): the referrer changes the person's safe-contact details
// (`beneficiary contact`), a holder records a contact attempt (`inbox contact-attempt`).

export function registerContactCommands(program: Command, gateway: Gateway, io: CliIo): void {
  const ctx = (command: Command) => CommandContext.of(command, gateway, io);
  const beneficiary = program.commands.find((c) => c.name() === "beneficiary");
  const inbox = program.commands.find((c) => c.name() === "inbox");
  if (!beneficiary || !inbox) throw new Error("register the beneficiary and inbox commands first");

  beneficiary
    .command("contact <beneficiary-id>")
    .description(
      "intake: replace the person's safe-contact details; every partner holding their package is told",
    )
    .option("--no-safe-to-contact", "contacting the person directly could put them at risk")
    .option("--safe-times <text>", "when and how contact is safe (free text)")
    .option(
      "--safe-window <window>",
      'when contact is safe, Istanbul time, e.g. "mon-fri 10:00-12:00" (repeat for more)',
      collect,
    )
    .option("--contact-method <method>", "phone_call | sms | whatsapp | in_person")
    .option("--phone <e164>", 'new phone number in E.164 form ("" removes it; default: unchanged)')
    .action(async (beneficiaryId: string, options: ContactOptions, command: Command) => {
      const c = ctx(command);
      const request = contactRequest(beneficiaryId, options, io.newId());
      const response = await c.gateway.intake(c.caller()).call("updateContactDetails", request);
      c.print(UpdateContactDetailsResponse, response, () => {
        const b = response.beneficiary;
        return fields([
          ["beneficiary", b?.beneficiaryId],
          ["safe to contact", b ? (b.safeToContact ? "yes" : "NO") : undefined],
          ["safe windows", b?.safeContactWindows.map(windowText).join("; ") || "any time"],
          ["safe times", b?.safeTimes],
          [
            "partners told",
            response.notifiedOrganisationIds.length > 0
              ? response.notifiedOrganisationIds.join(", ")
              : "none",
          ],
        ]);
      });
    });

  inbox
    .command("contact-attempt <referral-id>")
    .description(
      "record a call, visit or message to the person; refused when not safe or outside their safe windows",
    )
    .requiredOption("--method <method>", "call | visit | message")
    .option("--at <timestamp>", "when (ISO, e.g. 2026-12-07T10:30:00+03:00; default now)")
    .option("--result <result>", "reached | not_reached")
    .option("--note <text>", "internal note, kept by your organisation only")
    .action(async (referralId: string, options: ContactAttemptOptions, command: Command) => {
      const c = ctx(command);
      const request = contactAttemptRequest(referralId, options, io.newId());
      const response = await c.gateway
        .inbox(c.receivingService(), c.caller())
        .call("recordContactAttempt", request);
      c.print(RecordContactAttemptResponse, response, () => {
        const a = response.contactAttempt;
        return `Recorded ${enumName(ContactAttemptMethod, a?.method)} ${a?.attemptId} at ${time(a?.attemptedAt)} (${enumName(ContactAttemptResult, a?.result)})`;
      });
    });

  inbox
    .command("contact-attempts <referral-id>")
    .description("the contact attempts recorded on a received referral, oldest first (reading is audited)")
    .action(async (referralId: string, _options: unknown, command: Command) => {
      const c = ctx(command);
      const response = await c.gateway
        .inbox(c.receivingService(), c.caller())
        .call("listContactAttempts", { referralId });
      c.print(ListContactAttemptsResponse, response, () =>
        table(
          ["attempted at", "method", "result", "recorded by"],
          response.contactAttempts.map((a) => [
            time(a.attemptedAt),
            enumName(ContactAttemptMethod, a.method),
            enumName(ContactAttemptResult, a.result),
            a.recordedBy?.actorId || "-",
          ]),
        ),
      );
    });
}
