import type { ReferralInboxServiceClient } from "@kopru/contracts/referral/v1/inbox_service";
import {
  AcceptReferralResponse,
  AcknowledgeReferralResponse,
  AssignReferralResponse,
  CompleteReferralResponse,
  DeclineReferralResponse,
  GetReferralResponse,
  ListInboxResponse,
  ListReferralAssignmentsResponse,
  MakeOnwardReferralResponse,
  PutReferralOnHoldResponse,
  RedirectReferralResponse,
  ReportNotCompletedResponse,
  ReportOutcomeResponse,
  StartReferralResponse,
} from "@kopru/contracts/referral/v1/inbox_service";
import type { ReferralPackage } from "@kopru/contracts/referral/v1/package";
import type { Referral } from "@kopru/contracts/referral/v1/referral";
import type { Command } from "commander";
import { windowText } from "../contact-requests.js";
import { type CliIo, CommandContext, collect, type JsonCodec } from "../context.js";
import { enumName, parseEnum, parseEnumList } from "../enums.js";
import { fields, names, time } from "../format.js";
import type { Api, Gateway } from "../grpc.js";
import { provinceLabel } from "../provinces.js";
import { date, ENUMS, type InboxOptions, inboxRequest, required } from "../requests.js";
import { packageSectionLines } from "../screening-sections.js";
import { assignmentsTable, inboxTable, reasonOf, referralFields } from "../views.js";

/** What a person reading the package needs first; sections absent from the package are skipped. */
export function packageText(p: ReferralPackage | undefined): string {
  if (!p) return "(no package)";
  const c = p.contact;
  return fields([
    ["shared data", names(ENUMS.dataCategory, p.sharedDataCategories)],
    ["reason", p.reasonForReferral],
    [
      "name",
      p.identity
        ? `${p.identity.givenName} ${p.identity.familyName}${p.identity.preferredName ? ` ("${p.identity.preferredName}")` : ""}`
        : undefined,
    ],
    [
      "demographics",
      p.demographics
        ? `${enumName(ENUMS.sex, p.demographics.sex)}, born ${p.demographics.birthYear ?? "?"}, ${p.demographics.nationality || "-"}`
        : undefined,
    ],
    ["phone", c?.phoneNumber],
    [
      "safe to contact",
      c ? (c.safeToContact ? "yes" : `NO — ${c.safeTimes ?? "only through the referrer"}`) : undefined,
    ],
    ["safe windows", c?.safeWindows.length ? c.safeWindows.map(windowText).join("; ") : undefined],
    ["residence", c?.residence ? provinceLabel(c.residence.provinceCode) : undefined],
    [
      "language",
      c
        ? `${c.preferredLanguage}${c.interpreterNeeded ? ` (interpreter: ${c.interpreterLanguage ?? "yes"})` : ""}`
        : undefined,
    ],
    ["legal status", p.legalStatus ? enumName(ENUMS.legalStatus, p.legalStatus.legalStatus) : undefined],
    [
      "household",
      p.household
        ? `${p.household.size ?? "?"} people, ${p.household.childrenCount ?? "?"} children${p.household.femaleHeaded ? ", female-headed" : ""}`
        : undefined,
    ],
    ["vulnerabilities", p.needs ? names(ENUMS.vulnerability, p.needs.vulnerabilities) : undefined],
    ["needs", p.needs?.needsSummary],
    ["disability", p.disability ? enumName(ENUMS.disability, p.disability.status) : undefined],
    ...packageSectionLines(p),
    ["consent expires", time(p.consentExpiresAt)],
  ]);
}

type Transitioned = { referral?: Referral | undefined };

export function registerInboxCommands(
  program: Command,
  referral: Command,
  gateway: Gateway,
  io: CliIo,
): void {
  const ctx = (command: Command) => CommandContext.of(command, gateway, io);
  const inboxOf = (c: CommandContext): Api<ReferralInboxServiceClient> =>
    c.gateway.inbox(c.receivingService(), c.caller());

  const inbox = program.command("inbox").description("referrals received by your organisation");
  inbox
    .command("list")
    .description("open referrals received (or --status ...), most urgent deadline first")
    .option("--status <statuses>", "only these statuses, e.g. received,on_hold (default: all open)", collect)
    .option("--service <types>", "only these service types", collect)
    .option("--priority <priorities>", "only these priorities", collect)
    .option("--overdue", "only referrals past their answer deadline")
    .option("--mine", "only referrals assigned to you (my cases)")
    .option("--follow-up-overdue", "only accepted referrals past their follow-up deadline")
    .option("--limit <n>", "page size (default 100)")
    .action(async (options: Omit<InboxOptions, "as">, command: Command) => {
      const c = ctx(command);
      const response = await inboxOf(c).call("listInbox", inboxRequest({ ...options, as: c.organisation }));
      c.print(ListInboxResponse, response, () => inboxTable(response.referrals, io.now()));
    });

  inbox
    .command("show <referral-id>")
    .description("one received referral with its package (reading it is audited)")
    .action(async (referralId: string, _options: unknown, command: Command) => {
      const c = ctx(command);
      const response = await inboxOf(c).call("getReferral", { referralId });
      c.print(GetReferralResponse, response, () => {
        const parts = [response.referral ? referralFields(response.referral, io.now()) : "(no referral)"];
        parts.push("", "Package:", packageText(response.referralPackage));
        if (response.withheldDataCategories.length > 0) {
          parts.push(`withheld from you: ${names(ENUMS.dataCategory, response.withheldDataCategories)}`);
        }
        return parts.join("\n");
      });
    });

  inbox
    .command("assign <referral-id>")
    .description("supervisor: assign (or reassign) a received referral to a colleague; they are told")
    .requiredOption("--to <actor-id>", "the colleague's staff id (their login's subject)")
    .action(async (referralId: string, o: { to: string }, command: Command) => {
      const c = ctx(command);
      const response = await inboxOf(c).call("assignReferral", {
        referralId,
        assigneeActorId: required(o.to, "--to"),
      });
      c.print(AssignReferralResponse, response, () => {
        const a = response.assignment;
        const before = a?.previousAssigneeActorId ? ` (was ${a.previousAssigneeActorId})` : "";
        return `Referral ${referralId}: assigned to ${a?.assigneeActorId}${before}`;
      });
    });

  inbox
    .command("assignments <referral-id>")
    .description("who a received referral was assigned to, oldest first")
    .action(async (referralId: string, _o: unknown, command: Command) => {
      const c = ctx(command);
      const response = await inboxOf(c).call("listReferralAssignments", { referralId });
      c.print(ListReferralAssignmentsResponse, response, () => assignmentsTable(response.assignments));
    });

  // ---------------------------------------------------------------- target-side transitions
  const done = <T extends Transitioned>(c: CommandContext, codec: JsonCodec<T>, response: T) =>
    c.print(codec, response, () => {
      const r = response.referral;
      const why = r ? reasonOf(r) : "-";
      return `Referral ${r?.referralId}: ${enumName(ENUMS.status, r?.status)}${why === "-" ? "" : ` (${why})`}`;
    });

  referral
    .command("acknowledge <referral-id>")
    .description("target: confirm receipt (requested → received; usually automatic)")
    .action(async (referralId: string, _o: unknown, command: Command) => {
      const c = ctx(command);
      done(c, AcknowledgeReferralResponse, await inboxOf(c).call("acknowledgeReferral", { referralId }));
    });

  referral
    .command("accept <referral-id>")
    .description("target: agree to provide the service (→ accepted)")
    .action(async (referralId: string, _o: unknown, command: Command) => {
      const c = ctx(command);
      done(c, AcceptReferralResponse, await inboxOf(c).call("acceptReferral", { referralId }));
    });

  referral
    .command("decline <referral-id>")
    .description("target: decline with a reason code (→ declined)")
    .requiredOption("--reason <reason>", "e.g. outside_mandate, no_capacity, not_eligible_age")
    .option("--note <text>", "internal note, kept by your organisation only")
    .action(async (referralId: string, o: { reason: string; note?: string }, command: Command) => {
      const c = ctx(command);
      const reason = parseEnum(ENUMS.declineReason, o.reason, "--reason");
      done(
        c,
        DeclineReferralResponse,
        await inboxOf(c).call("declineReferral", { referralId, reason, internalNote: o.note }),
      );
    });

  referral
    .command("hold <referral-id>")
    .description("target: waitlist with a reason code (→ on_hold)")
    .requiredOption(
      "--reason <reason>",
      "capacity_full | awaiting_documents | awaiting_beneficiary_availability | other",
    )
    .option("--review-by <date>", "when you expect to review it")
    .option("--note <text>", "internal note, kept by your organisation only")
    .action(
      async (
        referralId: string,
        o: { reason: string; reviewBy?: string; note?: string },
        command: Command,
      ) => {
        const c = ctx(command);
        const reason = parseEnum(ENUMS.onHoldReason, o.reason, "--reason");
        const reviewBy = o.reviewBy ? date(o.reviewBy, "--review-by", true) : undefined;
        done(
          c,
          PutReferralOnHoldResponse,
          await inboxOf(c).call("putReferralOnHold", { referralId, reason, reviewBy, internalNote: o.note }),
        );
      },
    );

  referral
    .command("start <referral-id>")
    .description("target: service delivery starts (accepted → in_progress)")
    .action(async (referralId: string, _o: unknown, command: Command) => {
      const c = ctx(command);
      done(c, StartReferralResponse, await inboxOf(c).call("startReferral", { referralId }));
    });

  referral
    .command("complete <referral-id>")
    .description("target: service delivered, with outcome codes (in_progress → completed)")
    .requiredOption("--outcome <codes>", "e.g. counselling_sessions_held,cash_transferred", collect)
    .option("--completed-at <date>", "when it was completed (default now)")
    .action(async (referralId: string, o: { outcome?: string[]; completedAt?: string }, command: Command) => {
      const c = ctx(command);
      const outcomeCodes = parseEnumList(ENUMS.outcome, o.outcome, "--outcome");
      const completedAt = o.completedAt ? date(o.completedAt, "--completed-at") : undefined;
      done(
        c,
        CompleteReferralResponse,
        await inboxOf(c).call("completeReferral", { referralId, outcomeCodes, completedAt }),
      );
    });

  referral
    .command("not-complete <referral-id>")
    .description("target: accepted but not delivered, with a reason code (→ not_completed)")
    .requiredOption("--reason <reason>", "e.g. beneficiary_unreachable, beneficiary_relocated")
    .option("--note <text>", "internal note, kept by your organisation only")
    .action(async (referralId: string, o: { reason: string; note?: string }, command: Command) => {
      const c = ctx(command);
      const reason = parseEnum(ENUMS.notCompletedReason, o.reason, "--reason");
      done(
        c,
        ReportNotCompletedResponse,
        await inboxOf(c).call("reportNotCompleted", { referralId, reason, internalNote: o.note }),
      );
    });

  referral
    .command("outcome <referral-id>")
    .description(
      "target: replace the outcome codes of a completed or not completed referral (the referrer is told)",
    )
    .requiredOption(
      "--outcome <codes>",
      "the full new set, e.g. enrolled_in_course,course_completed",
      collect,
    )
    .option("--completed-at <date>", "when the service was completed or the outcome reached")
    .action(async (referralId: string, o: { outcome?: string[]; completedAt?: string }, command: Command) => {
      const c = ctx(command);
      const outcomeCodes = parseEnumList(ENUMS.outcome, o.outcome, "--outcome");
      const completedAt = o.completedAt ? date(o.completedAt, "--completed-at") : undefined;
      done(
        c,
        ReportOutcomeResponse,
        await inboxOf(c).call("reportOutcome", { referralId, outcomeCodes, completedAt }),
      );
    });

  referral
    .command("redirect <referral-id>")
    .description("target: forward to a better-placed partner (→ redirected, with a child referral)")
    .requiredOption("--to <organisation>", "new target organisation")
    .option("--offering <id>", "new target's service offering")
    .option("--service <type>", "service type of the child referral (default: the same)")
    .requiredOption(
      "--reason <reason>",
      "better_placed_partner | outside_mandate | no_capacity | service_not_available_in_area | other",
    )
    .option("--consent <id>", "consent covering the new target (default: the referral's consent)")
    .option("--data <categories>", "categories to forward (default: what the new offering requires)", collect)
    .action(
      async (
        referralId: string,
        o: {
          to: string;
          offering?: string;
          service?: string;
          reason: string;
          consent?: string;
          data?: string[];
        },
        command: Command,
      ) => {
        const c = ctx(command);
        const api = inboxOf(c);
        const reason = parseEnum(ENUMS.redirectReason, o.reason, "--reason");
        const serviceType = o.service ? parseEnum(ENUMS.serviceType, o.service, "--service") : 0;
        const dataCategories = parseEnumList(ENUMS.dataCategory, o.data, "--data");
        const consentId = o.consent ?? (await consentOf(api, referralId));
        const response = await api.call("redirectReferral", {
          requestId: io.newId(),
          referralId,
          targetOrganisationId: o.to,
          targetServiceOfferingId: o.offering,
          serviceType,
          reason,
          consentId,
          dataCategories,
        });
        c.print(RedirectReferralResponse, response, () =>
          [
            `Referral ${referralId}: ${enumName(ENUMS.status, response.referral?.status)}`,
            `Child referral ${response.childReferral?.referralId} requested of ${response.childReferral?.target?.organisationId}`,
          ].join("\n"),
        );
      },
    );

  referral
    .command("onward <referral-id>")
    .description("target: make an additional referral for the same person while this one stays open")
    .requiredOption("--to <organisation>", "target organisation")
    .option("--offering <id>", "target's service offering")
    .requiredOption("--service <type>", "service type, e.g. ecm_cash")
    .option("--priority <priority>", "emergency | high | normal", "normal")
    .option("--purpose <purpose>", "purpose of sharing", "service_provision")
    .option("--consent <id>", "consent covering the new target (default: the referral's consent)")
    .requiredOption("--reason <text>", "short reason for the referral (goes into the package only)")
    .option("--data <categories>", "categories to share (default: what the offering requires)", collect)
    .action(
      async (
        parentReferralId: string,
        o: {
          to: string;
          offering?: string;
          service: string;
          priority: string;
          purpose: string;
          consent?: string;
          reason: string;
          data?: string[];
        },
        command: Command,
      ) => {
        const c = ctx(command);
        const api = inboxOf(c);
        const request = {
          requestId: io.newId(),
          parentReferralId,
          targetOrganisationId: o.to,
          targetServiceOfferingId: o.offering,
          serviceType: parseEnum(ENUMS.serviceType, o.service, "--service"),
          priority: parseEnum(ENUMS.priority, o.priority, "--priority"),
          purpose: parseEnum(ENUMS.purpose, o.purpose, "--purpose"),
          consentId: "",
          reasonForReferral: required(o.reason, "--reason"),
          dataCategories: parseEnumList(ENUMS.dataCategory, o.data, "--data"),
        };
        request.consentId = o.consent ?? (await consentOf(api, parentReferralId));
        const response = await api.call("makeOnwardReferral", request);
        c.print(MakeOnwardReferralResponse, response, () => {
          const r = response.referral;
          return `Onward referral ${r?.referralId} sent to ${r?.target?.organisationId} (${enumName(ENUMS.serviceType, r?.serviceType)}); answer due by ${time(r?.respondBy)}`;
        });
      },
    );
}

async function consentOf(api: Api<ReferralInboxServiceClient>, referralId: string): Promise<string> {
  const found = await api.call("getReferral", { referralId });
  return found.referral?.consentId ?? "";
}
