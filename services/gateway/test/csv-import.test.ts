import { describe, expect, it } from "vitest";
import { CsvFileError, MAX_IMPORT_ROWS, parseReferralCsv } from "../src/application/csv-import.js";

const VOCABULARY = {
  serviceType: ["SERVICE_TYPE_MMCC_COUNSELLING", "SERVICE_TYPE_LEGAL_AID"],
  priority: ["PRIORITY_NORMAL", "PRIORITY_URGENT"],
  purpose: ["PURPOSE_SERVICE_PROVISION"],
  dataCategory: ["DATA_CATEGORY_IDENTITY", "DATA_CATEGORY_CONTACT"],
};
const HEADER =
  "client_reference,beneficiary_id,consent_id,service_type,priority,purpose,reason_for_referral,target_organisation_id,data_categories";

function fileError(text: string): CsvFileError {
  try {
    parseReferralCsv(text, VOCABULARY);
  } catch (error) {
    expect(error).toBeInstanceOf(CsvFileError);
    return error as CsvFileError;
  }
  throw new Error("expected the file to be refused");
}

describe("a referral CSV", () => {
  it("becomes one create request per row, with its line in the file", () => {
    const rows = parseReferralCsv(
      `\uFEFF${HEADER}\r\n` +
        'r1,b1,c1,SERVICE_TYPE_MMCC_COUNSELLING,PRIORITY_URGENT,PURPOSE_SERVICE_PROVISION,"rent, and ""debts""",org-1,DATA_CATEGORY_IDENTITY; DATA_CATEGORY_CONTACT\r\n' +
        "\r\n" +
        '"r2","b2","c2",SERVICE_TYPE_LEGAL_AID,,,"two\nlines",org-2,\r\n' +
        "r3,b3,c3,SERVICE_TYPE_LEGAL_AID,,,,org-3,\r\n",
      VOCABULARY,
    );
    expect(rows).toEqual([
      {
        line: 2,
        clientReference: "r1",
        referral: {
          beneficiaryId: "b1",
          consentId: "c1",
          serviceType: "SERVICE_TYPE_MMCC_COUNSELLING",
          priority: "PRIORITY_URGENT",
          purpose: "PURPOSE_SERVICE_PROVISION",
          reasonForReferral: 'rent, and "debts"',
          explicitTarget: { organisationId: "org-1" },
          dataCategories: ["DATA_CATEGORY_IDENTITY", "DATA_CATEGORY_CONTACT"],
        },
      },
      expect.objectContaining({ line: 5, clientReference: "r2" }),
      expect.objectContaining({ line: 6, clientReference: "r3" }),
    ]);
  });

  it("takes the columns in any order and in any case, the optional ones left out", () => {
    const rows = parseReferralCsv(
      "Target_Organisation_Id,SERVICE_TYPE,consent_id,beneficiary_id,client_reference\norg,SERVICE_TYPE_LEGAL_AID,c,b,r",
      VOCABULARY,
    );
    expect(rows[0]).toMatchObject({
      clientReference: "r",
      referral: { explicitTarget: { organisationId: "org" } },
    });
  });

  it("names each invalid column of a row, without its value", () => {
    const [row] = parseReferralCsv(
      `${HEADER}\nr1,,c1,Ayşe Halabi,PRIORITY_SOON,,x,org,DATA_CATEGORY_IDENTITY;DATA_CATEGORY_SECRETS`,
      VOCABULARY,
    );
    expect(row && "errors" in row ? row.errors.map((e) => e.name) : []).toEqual([
      "beneficiary_id",
      "service_type",
      "priority",
      "data_categories",
    ]);
    expect(JSON.stringify(row)).not.toContain("Ayşe");
  });

  it("refuses a file whose header is not as documented, naming the columns", () => {
    expect(fileError(`${HEADER},shoe_size\n`).errors).toEqual([
      { name: "shoe_size", reason: "is not a column of this import" },
    ]);
    expect(
      fileError("client_reference,beneficiary_id,client_reference\nr,b,r").errors.map((e) => e.name),
    ).toEqual(["consent_id", "service_type", "target_organisation_id", "client_reference"]);
  });

  it("refuses a file without rows, with broken quoting or ragged rows, naming the line only", () => {
    expect(fileError("").message).toMatch(/no header/);
    expect(fileError(HEADER).message).toMatch(/no rows/);
    const ragged = fileError(`${HEADER}\nr1,b1\n`);
    expect(ragged.errors[0]?.reason).toMatch(/different number of columns.*line 2/);
    const quoted = fileError(`${HEADER}\nr1,b1,c1,SERVICE_TYPE_LEGAL_AID,,,"Ayşe Halabi,org,\n`);
    expect(quoted.errors[0]?.reason).toMatch(/not closed/);
    expect(JSON.stringify(quoted.errors)).not.toContain("Ayşe");
  });

  it("refuses repeated references and more rows than one import takes", () => {
    const row = (ref: string) => `${ref},b,c,SERVICE_TYPE_LEGAL_AID,,,,org,`;
    expect(fileError(`${HEADER}\n${row("a")}\n${row("b")}\n${row("a")}`).errors).toEqual([
      { name: "client_reference", reason: "line 4 repeats the reference of line 2" },
    ]);
    const many = Array.from({ length: MAX_IMPORT_ROWS + 1 }, (_, i) => row(`r${i}`)).join("\n");
    expect(fileError(`${HEADER}\n${many}`).message).toMatch(/at most 500/);
  });
});
