import { MatchReason } from "@kopru/contracts/coordination/v1/directory";
import {
  CancelReferralResponse,
  CreateReferralResponse,
  GetBeneficiaryResponse,
  GetReferralResponse,
  GetReferralTimelineResponse,
  ListReferralsResponse,
  RecordConsentResponse,
  RegisterBeneficiaryResponse,
  ScreenNeedsResponse,
  SuggestTargetsResponse,
  WithdrawConsentResponse,
} from "@kopru/contracts/intake/v1/intake_service";
import { ConsentWithdrawalReason } from "@kopru/contracts/referral/v1/consent";
import type { Command } from "commander";
import { windowText } from "../contact-requests.js";
import { type CliIo, CommandContext, collect } from "../context.js";
import { enumName, parseEnum, parseEnumList } from "../enums.js";
import { fields, names, table, time } from "../format.js";
import type { Gateway } from "../grpc.js";
import { provinceLabel } from "../provinces.js";
import {
  type ConsentOptions,
  consentRequest,
  ENUMS,
  type RegisterOptions,
  registerRequest,
  required,
  type ScreenOptions,
  type SubmitOptions,
  type SuggestOptions,
  screenRequest,
  submitRequest,
  suggestRequest,
} from "../requests.js";
import {
  addScreeningSectionOptions,
  type SectionOptions,
  screenedSectionNames,
  screeningSections,
} from "../screening-sections.js";
import { disaggregationText, placesText, referralFields, sentTable, transitionsTable } from "../views.js";

const ROUTING_HELP = "routing, when no --to is given";

export function registerIntakeCommands(program: Command, gateway: Gateway, io: CliIo): { referral: Command } {
  const ctx = (command: Command) => CommandContext.of(command, gateway, io);

  // ---------------------------------------------------------------- beneficiary
  const beneficiary = program
    .command("beneficiary")
    .description("register and look up beneficiaries (intake)");

  beneficiary
    .command("register")
    .description("register a person with the minimal data needed; prints the beneficiary id")
    .requiredOption("--given-name <name>", "given name")
    .requiredOption("--family-name <name>", "family name")
    .option("--preferred-name <name>", "name the person prefers to be called")
    .requiredOption("--sex <sex>", "female | male | other_or_not_stated")
    .option("--birth-year <year>", "year of birth (never a full date)")
    .requiredOption("--nationality <code>", "ISO 3166-1 alpha-2, e.g. SY, AF, IQ; XX for stateless")
    .requiredOption(
      "--legal-status <status>",
      "e.g. temporary_protection, international_protection_applicant",
    )
    .requiredOption("--province <p-code>", "province of residence, e.g. TUR027 (Gaziantep)")
    .option("--district <p-code>", "district of residence (ADM2 p-code)")
    .option("--phone <e164>", "phone number in E.164 form, e.g. +905550001234")
    .requiredOption("--language <bcp47>", "preferred language, e.g. ar, tr, fa, ku")
    .option("--interpreter", "an interpreter is needed")
    .option("--interpreter-language <bcp47>", "language to interpret into (default: --language)")
    .option("--no-safe-to-contact", "contacting the person directly could put them at risk")
    .option("--safe-times <text>", "when and how contact is safe")
    .option(
      "--safe-window <window>",
      'when contact is safe, Istanbul time, e.g. "mon-fri 10:00-12:00" (repeat for more)',
      collect,
    )
    .option("--contact-method <method>", "phone_call | sms | whatsapp | in_person")
    .action(async (options: Omit<RegisterOptions, "as">, command: Command) => {
      const c = ctx(command);
      const request = registerRequest({ ...options, as: c.organisation }, io.newId(), io.now());
      const response = await c.gateway.intake(c.caller()).call("registerBeneficiary", request);
      c.print(RegisterBeneficiaryResponse, response, () => {
        const lines = [`Registered beneficiary ${response.beneficiary?.beneficiaryId} (${c.organisation})`];
        if (response.possibleDuplicateIds.length > 0) {
          lines.push(`Possible duplicates to check: ${response.possibleDuplicateIds.join(", ")}`);
        }
        return lines.join("\n");
      });
    });

  beneficiary
    .command("show <beneficiary-id>")
    .description("a registered person with consents and the latest screening")
    .action(async (beneficiaryId: string, _options: unknown, command: Command) => {
      const c = ctx(command);
      const response = await c.gateway.intake(c.caller()).call("getBeneficiary", { beneficiaryId });
      c.print(GetBeneficiaryResponse, response, () => {
        const b = response.beneficiary;
        const s = response.latestScreening;
        const parts = [
          fields([
            ["beneficiary", b?.beneficiaryId],
            [
              "name",
              [b?.givenName, b?.familyName].join(" ") + (b?.preferredName ? ` ("${b.preferredName}")` : ""),
            ],
            ["sex", enumName(ENUMS.sex, b?.sex)],
            ["birth year", b?.birthYear ? String(b.birthYear) : undefined],
            ["nationality", b?.nationality],
            ["legal status", enumName(ENUMS.legalStatus, b?.legalStatus)],
            [
              "residence",
              provinceLabel(b?.residence?.provinceCode) +
                (b?.residence?.districtCode ? ` / ${b.residence.districtCode}` : ""),
            ],
            ["phone", b?.phoneNumber],
            [
              "language",
              b?.preferredLanguage +
                (b?.interpreterNeeded ? ` (interpreter: ${b.interpreterLanguage ?? "yes"})` : ""),
            ],
            ["safe to contact", b?.safeToContact ? "yes" : "NO"],
            ["safe windows", b?.safeContactWindows.map(windowText).join("; ") || undefined],
            ["safe times", b?.safeTimes],
            ["registered", time(b?.registeredAt)],
            ["bands", disaggregationText(b?.disaggregation)],
          ]),
        ];
        if (response.consents.length > 0) {
          parts.push(
            "",
            "Consents:",
            table(
              ["consent", "organisations/kinds", "purposes", "data", "expires", "withdrawn"],
              response.consents.map((consent) => [
                consent.consentId,
                [
                  ...(consent.scope?.organisationIds ?? []),
                  names(ENUMS.partnerKind, consent.scope?.partnerKinds),
                ]
                  .filter((x) => x !== "-")
                  .join(","),
                names(ENUMS.purpose, consent.scope?.purposes),
                names(ENUMS.dataCategory, consent.scope?.dataCategories),
                time(consent.expiresAt),
                consent.withdrawnAt ? time(consent.withdrawnAt) : "-",
              ]),
            ),
          );
        }
        if (s) {
          parts.push(
            "",
            "Latest screening:",
            fields([
              ["screening", s.screeningId],
              ["services needed", names(ENUMS.serviceType, s.servicesNeeded)],
              ["vulnerabilities", names(ENUMS.vulnerability, s.vulnerabilities)],
              ["disability", enumName(ENUMS.disability, s.disabilityStatus)],
              ["sections", screenedSectionNames(s)],
              [
                "withheld",
                s.withheldDataCategories.length > 0
                  ? names(ENUMS.dataCategory, s.withheldDataCategories)
                  : undefined,
              ],
              ["screened", time(s.screenedAt)],
            ]),
          );
        }
        return parts.join("\n");
      });
    });

  // ---------------------------------------------------------------- consent
  const consent = program.command("consent").description("record and withdraw informed consent (intake)");

  consent
    .command("record")
    .description(
      "record informed consent: with whom (--org/--kind), for what (--purpose), which data (--data)",
    )
    .requiredOption("--beneficiary <id>", "beneficiary id")
    .option("--given-by <who>", "self | caregiver | legal_guardian", "self")
    .option("--caregiver-relationship <text>", "relationship of the caregiver/guardian, e.g. mother")
    .requiredOption(
      "--method <method>",
      "verbal_recorded | written_signed | digital (prefixes like verbal work)",
    )
    .option("--explained-in <bcp47>", "language consent was explained in (default: the person's language)")
    .option("--interpreter", "an interpreter was used to explain it")
    .option("--org <ids>", "organisations named (comma-separated or repeated)", collect)
    .option("--kind <kinds>", "kinds of partner, e.g. municipality,ecm_unit,protection_partner", collect)
    .option("--purpose <purposes>", "e.g. service_provision,case_management", collect)
    .option("--data <categories>", "e.g. identity,contact,demographics,needs", collect)
    .option("--expires <date>", "expiry date, e.g. 2027-11-25 (default: one year from now)")
    .action(async (options: ConsentOptions, command: Command) => {
      const c = ctx(command);
      const intake = c.gateway.intake(c.caller());
      let explainedIn = options.explainedIn;
      if (!explainedIn) {
        const found = await intake.call("getBeneficiary", {
          beneficiaryId: required(options.beneficiary, "--beneficiary"),
        });
        explainedIn = found.beneficiary?.preferredLanguage || "tr";
      }
      const request = consentRequest(options, explainedIn, io.newId(), io.now());
      const response = await intake.call("recordConsent", request);
      c.print(RecordConsentResponse, response, () => {
        const r = response.consent;
        return `Recorded consent ${r?.consentId} for beneficiary ${r?.beneficiaryId}, expires ${time(r?.expiresAt)}`;
      });
    });

  consent
    .command("withdraw <consent-id>")
    .description("withdraw a consent; every holder of data shared under it is told")
    .requiredOption(
      "--reason <reason>",
      "beneficiary_request | recorded_in_error | superseded | erasure_request | other",
    )
    .option("--cancel-open-referrals", "also cancel the open referrals made under this consent")
    .action(
      async (
        consentId: string,
        options: { reason: string; cancelOpenReferrals?: boolean },
        command: Command,
      ) => {
        const c = ctx(command);
        const response = await c.gateway.intake(c.caller()).call("withdrawConsent", {
          consentId,
          reason: parseEnum(ConsentWithdrawalReason, options.reason, "--reason"),
          withdrawnAt: io.now(),
          cancelOpenReferrals: options.cancelOpenReferrals === true,
          policy: 0,
          continuingBasis: 0,
        });
        c.print(WithdrawConsentResponse, response, () =>
          [
            `Withdrew consent ${consentId}`,
            `Notified: ${response.notifiedOrganisationIds.join(", ") || "-"}`,
            `Cancelled referrals: ${response.cancelledReferralIds.join(", ") || "-"}`,
          ].join("\n"),
        );
      },
    );

  // ---------------------------------------------------------------- needs
  const needs = program.command("needs").description("needs screening (intake)");
  const screen = needs
    .command("screen")
    .description(
      "record a needs screening: services needed, vulnerabilities, Washington Group answers, household, " +
        "and the protection, GBV, child-protection, health, MHPSS, financial, education and document details " +
        "some services need",
    )
    .requiredOption("--beneficiary <id>", "beneficiary id")
    .option("--service <types>", "services needed, e.g. mmcc_counselling,ecm_cash", collect)
    .option("--flag <flags>", "vulnerabilities, e.g. single_parent,person_with_disability", collect)
    .option("--wg <domain=severity>", "Washington Group answers, e.g. walking=a_lot_of_difficulty", collect)
    .option("--summary <text>", "short needs summary (personal data; stays in the package only)")
    .option("--household-size <n>", "people in the household, the person included")
    .option("--children <n>", "children under 18 in the household")
    .option("--female-headed", "the household is female-headed")
    .option("--dependants-with-disability <n>", "household members with a disability who depend on care");
  addScreeningSectionOptions(screen).action(
    async (options: ScreenOptions & SectionOptions, command: Command) => {
      const c = ctx(command);
      const response = await c.gateway
        .intake(c.caller())
        .call("screenNeeds", { ...screenRequest(options, io.newId()), ...screeningSections(options) });
      c.print(ScreenNeedsResponse, response, () => {
        const s = response.screening;
        return `Recorded screening ${s?.screeningId}: needs ${names(ENUMS.serviceType, s?.servicesNeeded)}; disability ${enumName(ENUMS.disability, s?.disabilityStatus)}`;
      });
    },
  );

  // ---------------------------------------------------------------- referral (referrer side)
  const referral = program
    .command("referral")
    .description("send and follow referrals (referrer: intake) and answer them (target: its inbox)");

  const routingOptions = (cmd: Command) =>
    cmd
      .option("--province <p-code>", `where the service is needed (${ROUTING_HELP})`)
      .option("--district <p-code>", `district (${ROUTING_HELP})`)
      .option("--language <bcp47>", `language needed (${ROUTING_HELP})`)
      .option("--kind <kinds>", `only these kinds of partner (${ROUTING_HELP})`, collect)
      .option("--allow-waitlist", `accept waitlisted offerings (${ROUTING_HELP})`)
      .option("--exclude <orgs>", `organisations not to route to (${ROUTING_HELP})`, collect);

  routingOptions(
    referral
      .command("suggest")
      .description("rank candidate targets for a need from the directory, with the reasons")
      .requiredOption("--service <type>", "service type, e.g. mmcc_counselling")
      .option("--beneficiary <id>", "match eligibility against this person")
      .option("--consent <id>", "say whether this consent covers each candidate")
      .option("--limit <n>", "maximum candidates"),
  ).action(async (options: SuggestOptions, command: Command) => {
    const c = ctx(command);
    const response = await c.gateway.intake(c.caller()).call("suggestTargets", suggestRequest(options));
    c.print(SuggestTargetsResponse, response, () =>
      response.candidates.length === 0
        ? "(no candidates)"
        : table(
            ["rank", "organisation", "offering", "capacity", "free/total", "score", "reasons"],
            response.candidates.map((m) => [
              String(m.rank),
              m.organisation?.organisationId ?? "-",
              m.serviceOffering?.serviceOfferingId ?? "-",
              enumName(ENUMS.capacity, m.serviceOffering?.capacityStatus),
              placesText(m.serviceOffering),
              m.score.toFixed(2),
              names(MatchReason, m.reasons),
            ]),
          ),
    );
  });

  routingOptions(
    referral
      .command("submit")
      .description(
        "create and send a referral to a named target (--to) or to the best match (routing options)",
      )
      .requiredOption("--beneficiary <id>", "beneficiary id")
      .requiredOption("--consent <id>", "consent the sharing relies on")
      .requiredOption("--service <type>", "service type, e.g. mmcc_counselling")
      .option("--priority <priority>", "emergency | high | normal", "normal")
      .option("--purpose <purpose>", "purpose of sharing", "service_provision")
      .option("--to <organisation>", "target organisation")
      .option("--offering <id>", "target service offering (with --to)")
      .requiredOption("--reason <text>", "short reason for the referral (goes into the package only)")
      .option("--data <categories>", "categories to share (default: what the offering requires)", collect),
  ).action(async (options: SubmitOptions, command: Command) => {
    const c = ctx(command);
    const response = await c.gateway
      .intake(c.caller())
      .call("createReferral", submitRequest(options, io.newId()));
    c.print(CreateReferralResponse, response, () => {
      const r = response.referral;
      return `Referral ${r?.referralId} sent to ${r?.target?.organisationId} (${enumName(ENUMS.serviceType, r?.serviceType)}, ${enumName(ENUMS.priority, r?.priority)}); answer due by ${time(r?.respondBy)}`;
    });
  });

  referral
    .command("list")
    .description("referrals your organisation made, newest first")
    .option("--status <statuses>", "only these statuses", collect)
    .option("--service <types>", "only these service types", collect)
    .option("--beneficiary <id>", "only for this person")
    .option("--limit <n>", "page size", "100")
    .action(
      async (
        options: { status?: string[]; service?: string[]; beneficiary?: string; limit: string },
        command: Command,
      ) => {
        const c = ctx(command);
        const response = await c.gateway.intake(c.caller()).call("listReferrals", {
          referrerOrganisationId: c.organisation,
          statuses: parseEnumList(ENUMS.status, options.status, "--status"),
          serviceTypes: parseEnumList(ENUMS.serviceType, options.service, "--service"),
          priorities: [],
          beneficiaryId: options.beneficiary,
          requested: undefined,
          page: { pageSize: Number(options.limit) || 100, pageToken: "" },
        });
        c.print(ListReferralsResponse, response, () => sentTable(response.referrals, io.now()));
      },
    );

  referral
    .command("show <referral-id>")
    .description("a referral your organisation made, with the categories shared (intake's view)")
    .action(async (referralId: string, _options: unknown, command: Command) => {
      const c = ctx(command);
      const response = await c.gateway.intake(c.caller()).call("getReferral", { referralId });
      c.print(GetReferralResponse, response, () => {
        const shared = response.referralPackage?.sharedDataCategories;
        const lines = [
          response.referral
            ? referralFields(response.referral, io.now(), [
                ["shared data", shared ? names(ENUMS.dataCategory, shared) : undefined],
                [
                  "withheld from you",
                  response.withheldDataCategories.length > 0
                    ? names(ENUMS.dataCategory, response.withheldDataCategories)
                    : undefined,
                ],
              ])
            : "(no referral)",
        ];
        return lines.join("\n");
      });
    });

  referral
    .command("timeline <referral-id>")
    .description("the history of a referral you made and its chain (intake's view)")
    .action(async (referralId: string, _options: unknown, command: Command) => {
      const c = ctx(command);
      const response = await c.gateway
        .intake(c.caller())
        .call("getReferralTimeline", { referralId, includeChain: true });
      c.print(GetReferralTimelineResponse, response, () => transitionsTable(response.transitions));
    });

  referral
    .command("cancel <referral-id>")
    .description("withdraw a referral you made (→ cancelled)")
    .requiredOption(
      "--reason <reason>",
      "need_resolved | sent_in_error | consent_withdrawn | beneficiary_relocated | duplicate | other",
    )
    .option("--note <text>", "internal note, kept by intake only")
    .action(async (referralId: string, options: { reason: string; note?: string }, command: Command) => {
      const c = ctx(command);
      const response = await c.gateway.intake(c.caller()).call("cancelReferral", {
        referralId,
        reason: parseEnum(ENUMS.cancelReason, options.reason, "--reason"),
        internalNote: options.note,
      });
      c.print(
        CancelReferralResponse,
        response,
        () => `Referral ${referralId}: ${enumName(ENUMS.status, response.referral?.status)}`,
      );
    });
  return { referral };
}
