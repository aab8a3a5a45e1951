import { ContactAttemptMethod, ContactAttemptResult } from "@kopru/contracts/referral/v1/inbox_service";
import { ContactMethod, Weekday } from "@kopru/contracts/referral/v1/package";
import type { ClientCaller } from "@kopru/service-kit";
import { describe, expect, it } from "vitest";
import { contactAttemptRequest, contactRequest, safeWindow, windowText } from "../src/contact-requests.js";
import { CliUsageError } from "../src/errors.js";
import type { Api, Gateway } from "../src/grpc.js";
import { runCli } from "../src/program.js";

const ID = "00000000-0000-4000-8000-000000000001";
const REFERRAL_ID = "11111111-1111-4111-8111-111111111111";

describe("safe-contact options", () => {
  it("reads days as lists and ranges, hours within one day", () => {
    expect(safeWindow("mon-fri 10:00-12:00")).toEqual({
      days: [1, 2, 3, 4, 5] as Weekday[],
      startMinute: 600,
      endMinute: 720,
    });
    expect(safeWindow("Sat,sun 18:30-20:00")).toEqual({
      days: [Weekday.WEEKDAY_SATURDAY, Weekday.WEEKDAY_SUNDAY],
      startMinute: 1_110,
      endMinute: 1_200,
    });
    expect(windowText(safeWindow("mon,wed-thu 9:00-9:30"))).toBe("mon,wed,thu 09:00-09:30");
    for (const bad of [
      "weekdays 10-12",
      "mon 12:00-10:00",
      "fri-mon 10:00-11:00",
      "xyz 10:00-11:00",
      "mon 22:00-24:30",
    ]) {
      expect(() => safeWindow(bad), bad).toThrow(CliUsageError);
    }
  });

  it("builds the contact update and the contact attempt", () => {
    expect(
      contactRequest(
        "b-1",
        {
          safeToContact: false,
          safeTimes: "only via the NGO",
          safeWindow: ["tue 10:00-11:00"],
          contactMethod: "in_person",
        },
        ID,
      ),
    ).toEqual({
      requestId: ID,
      beneficiaryId: "b-1",
      safeToContact: false,
      safeTimes: "only via the NGO",
      safeContactWindows: [{ days: [Weekday.WEEKDAY_TUESDAY], startMinute: 600, endMinute: 660 }],
      preferredContactMethod: ContactMethod.CONTACT_METHOD_IN_PERSON,
      phoneNumber: undefined,
    });
    expect(contactRequest("b-1", { phone: "" }, ID).phoneNumber).toBe("");
    expect(() => contactRequest("b-1", { phone: "0555" }, ID)).toThrow(CliUsageError);
    expect(
      contactAttemptRequest(
        REFERRAL_ID,
        { method: "visit", at: "2026-12-07T10:30:00+03:00", result: "not_reached" },
        ID,
      ),
    ).toEqual({
      requestId: ID,
      referralId: REFERRAL_ID,
      method: ContactAttemptMethod.CONTACT_ATTEMPT_METHOD_VISIT,
      attemptedAt: new Date("2026-12-07T07:30:00Z"),
      result: ContactAttemptResult.CONTACT_ATTEMPT_RESULT_NOT_REACHED,
      internalNote: undefined,
    });
    expect(() => contactAttemptRequest(REFERRAL_ID, { method: "fax" }, ID)).toThrow();
  });
});

describe("kopru beneficiary contact / inbox contact-attempt", () => {
  async function run(args: string[], answer: unknown) {
    const calls: { service: string; method: string; request: unknown }[] = [];
    const api = (service: string): Api<never> =>
      ({
        service,
        address: "127.0.0.1:5005x",
        async call(method: string, request: unknown) {
          calls.push({ service, method, request });
          return answer;
        },
        as: () => api(service),
      }) as unknown as Api<never>;
    const gateway = {
      intake: (_caller: ClientCaller) => api("intake"),
      coordination: () => api("coordination"),
      inbox: (service: string) => api(service),
      acting: (as: string | undefined) => (as ? { organisationId: as } : undefined),
      close() {},
    } as unknown as Gateway;
    const out: string[] = [];
    const code = await runCli(args, gateway, {
      out: (t) => out.push(t),
      err: (t) => out.push(t),
      now: () => new Date("2026-12-07T07:30:00Z"),
      newId: () => ID,
    });
    return { code, calls, out: out.join("\n") };
  }

  it("sends the new safe-contact details to intake and says who was told", async () => {
    const result = await run(
      [
        "beneficiary",
        "contact",
        "b-1",
        "--as",
        "ngo-hayat",
        "--no-safe-to-contact",
        "--safe-window",
        "mon-fri 10:00-12:00",
      ],
      {
        beneficiary: {
          beneficiaryId: "b-1",
          safeToContact: false,
          safeContactWindows: [safeWindow("mon-fri 10:00-12:00")],
        },
        notifiedOrganisationIds: ["mmcc-gaziantep"],
      },
    );
    expect(result.code).toBe(0);
    expect(result.calls[0]).toMatchObject({
      service: "intake",
      method: "updateContactDetails",
      request: { beneficiaryId: "b-1", safeToContact: false, safeContactWindows: [{ startMinute: 600 }] },
    });
    expect(result.out).toMatch(/partners told:\s+mmcc-gaziantep/);
    expect(result.out).toMatch(/mon,tue,wed,thu,fri 10:00-12:00/);
  });

  it("records a contact attempt at the inbox of the organisation's service", async () => {
    const result = await run(
      ["inbox", "contact-attempt", REFERRAL_ID, "--as", "mmcc-gaziantep", "--method", "call"],
      {
        contactAttempt: {
          attemptId: "a-1",
          referralId: REFERRAL_ID,
          method: ContactAttemptMethod.CONTACT_ATTEMPT_METHOD_CALL,
          attemptedAt: new Date("2026-12-07T07:30:00Z"),
          result: 0,
        },
      },
    );
    expect(result.code).toBe(0);
    expect(result.calls[0]).toMatchObject({
      service: "municipality",
      method: "recordContactAttempt",
      request: { referralId: REFERRAL_ID, method: ContactAttemptMethod.CONTACT_ATTEMPT_METHOD_CALL },
    });
    expect(result.out).toMatch(/^Recorded call a-1/);

    const listed = await run(["inbox", "contact-attempts", REFERRAL_ID, "--as", "mmcc-gaziantep"], {
      contactAttempts: [
        {
          attemptId: "a-1",
          referralId: REFERRAL_ID,
          method: ContactAttemptMethod.CONTACT_ATTEMPT_METHOD_VISIT,
          attemptedAt: new Date("2026-12-07T07:30:00Z"),
          result: ContactAttemptResult.CONTACT_ATTEMPT_RESULT_REACHED,
          recordedBy: { kind: 1, organisationId: "mmcc-gaziantep", actorId: "caseworker-7", role: 0 },
        },
      ],
    });
    expect(listed.calls[0]).toMatchObject({
      method: "listContactAttempts",
      request: { referralId: REFERRAL_ID },
    });
    expect(listed.out).toMatch(/visit\s+reached\s+caseworker-7/);
  });
});
