import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger } from "./logger.js";
import { isRedactedLogKey, PII_LOG_KEYS, REDACTED, redactLogLine } from "./redact.js";

function memoryLogger(level: "info" | "debug" = "info") {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, callback) {
      lines.push(String(chunk));
      callback();
    },
  });
  const logger = createLogger({ service: "referrals", level, destination });
  const output = () => lines.join("");
  const records = () => lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  return { logger, output, records };
}

// Synthetic person: every value is unique so a leak is found by a plain substring search.
const PII_VALUES = [
  "Ayşe",
  "Yılmaz",
  "Ayşe Yılmaz",
  "+90 555 010 2030",
  "ayse@example.org",
  "Atatürk Cd. 12",
  "U12345678",
  "1990-04-01",
  "TR33 0006 1005 1978 6457 8413 26",
  "ACC-778899",
  "Mehmet Yılmaz",
  "Elif",
  "+90 555 999 0000",
  "needs urgent shelter",
  "survivor disclosure",
  "chronic condition",
  "hunter2",
  "Bearer eyJhbGciOi",
  "Deniz",
  "Kaya",
  "D-4455",
  "1985-02-02",
];

const beneficiary = {
  id: "ben-0001",
  caseCode: "GAZ-2026-0042",
  status: "REFERRED",
  givenName: "Ayşe",
  familyName: "Yılmaz",
  fullName: "Ayşe Yılmaz",
  phone: "+90 555 010 2030",
  email: "ayse@example.org",
  address: { addressLine: "Atatürk Cd. 12", districtCode: "TR-27-SHB" },
  identity: { documentType: "PASSPORT", documentNumber: "U12345678" },
  dateOfBirth: "1990-04-01",
  payment: {
    methodCode: "BANK",
    account: { iban: "TR33 0006 1005 1978 6457 8413 26", accountReference: "ACC-778899" },
  },
  household: [
    { memberId: "mem-01", relationCode: "SPOUSE", name: "Mehmet Yılmaz" },
    {
      memberId: "mem-02",
      relationCode: "CHILD",
      givenName: "Elif",
      contact: { phoneNumber: "+90 555 999 0000" },
    },
  ],
  referral: {
    referralId: "ref-7",
    serviceCode: "SHELTER",
    reasonForReferral: "needs urgent shelter",
    protection: { gbv: "survivor disclosure", health: "chronic condition" },
  },
};

describe("createLogger", () => {
  it("writes no personal data at any depth, in arrays too, and keeps ids and codes", () => {
    const { logger, output, records } = memoryLogger();
    logger.info({ beneficiary }, "beneficiary registered");
    // four levels deep, under arrays of arrays
    logger.info({
      batch: [{ page: [{ items: [{ beneficiary: { id: "ben-0002", givenName: "Deniz" } }] }] }],
    });
    // database rows are snake_case, other sources shout
    logger.info({
      row: { id: "ben-0003", family_name: "Kaya", DOCUMENT_NUMBER: "D-4455", "birth-date": "1985-02-02" },
    });
    logger.info({
      req: { headers: { authorization: "Bearer eyJhbGciOi", host: "kopru.test" } },
      user: { password: "hunter2" },
    });

    const text = output();
    for (const value of PII_VALUES) expect(text).not.toContain(value);
    for (const value of [
      "ben-0001",
      "GAZ-2026-0042",
      "BANK",
      "mem-02",
      "SPOUSE",
      "ref-7",
      "SHELTER",
      "ben-0002",
      "ben-0003",
      "kopru.test",
    ]) {
      expect(text).toContain(value);
    }
    const [first] = records();
    expect(first).toMatchObject({
      service: "referrals",
      msg: "beneficiary registered",
      beneficiary: {
        id: "ben-0001",
        givenName: REDACTED,
        address: REDACTED,
        identity: REDACTED,
        household: [
          { memberId: "mem-01", name: REDACTED },
          { memberId: "mem-02", givenName: REDACTED, contact: REDACTED },
        ],
        referral: {
          referralId: "ref-7",
          reasonForReferral: REDACTED,
          protection: { gbv: REDACTED, health: REDACTED },
        },
      },
    });
  });

  it("redacts child bindings and error properties, which pino serializes after any formatter", () => {
    const { logger, output } = memoryLogger();
    const child = logger.child({ beneficiary: { id: "ben-0001", phone: "+90 555 010 2030" } });
    const error = Object.assign(new Error("match failed for ben-0001"), {
      code: "NO_MATCH",
      email: "ayse@example.org",
    });
    child.error({ err: error }, "matching failed");

    const text = output();
    expect(text).not.toContain("+90 555 010 2030");
    expect(text).not.toContain("ayse@example.org");
    expect(text).toContain("NO_MATCH");
    expect(text).toContain("ben-0001");
  });

  it("builds its key list from PII_LOG_KEYS", () => {
    for (const key of PII_LOG_KEYS) expect(isRedactedLogKey(key)).toBe(true);
    expect(isRedactedLogKey("given_name")).toBe(true);
    expect(isRedactedLogKey("beneficiaryId")).toBe(false);
    expect(isRedactedLogKey("contactId")).toBe(false);
  });

  it("leaves lines without personal data byte for byte as pino wrote them", () => {
    const line =
      '{"level":30,"id":"ben-1","note":"the key \\"phone\\": is in a value","n":12345678901234567890}\n';
    expect(redactLogLine(line)).toBe(line);
  });
});
