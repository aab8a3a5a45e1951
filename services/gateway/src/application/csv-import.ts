import { CsvError, parse } from "csv-parse/sync";

// A partner's spreadsheet of referrals as CSV: one header row naming the columns below, then one
// referral per row. Each row becomes the JSON of a CreateReferralRequest, or the reasons it cannot,
// named by column and line, so a caller fixes its file without guessing. Values are never echoed
// back: a reason for referral is personal data.

/** The columns an import reads, in the order the guide lists them. */
export const CSV_COLUMNS = [
  "client_reference",
  "beneficiary_id",
  "consent_id",
  "service_type",
  "priority",
  "purpose",
  "reason_for_referral",
  "target_organisation_id",
  "data_categories",
] as const;

export type CsvColumn = (typeof CSV_COLUMNS)[number];

/** Needed in every file; the rest may be left out (then empty). */
const REQUIRED_COLUMNS: readonly CsvColumn[] = [
  "client_reference",
  "beneficiary_id",
  "consent_id",
  "service_type",
  "target_organisation_id",
];

export const MAX_IMPORT_ROWS = 500;
/** A partner's own id for a row: enough for any system's record id. */
export const MAX_REFERENCE_LENGTH = 200;

/** The enum names each enum column accepts (the proto names, without `*_UNSPECIFIED`). */
export interface CsvVocabulary {
  serviceType: readonly string[];
  priority: readonly string[];
  purpose: readonly string[];
  dataCategory: readonly string[];
}

export interface CsvFieldError {
  name: string;
  reason: string;
}

/** One data row: the request it makes, or why it makes none. */
export type CsvRow =
  | { line: number; clientReference: string; referral: Record<string, unknown> }
  | { line: number; clientReference: string; errors: CsvFieldError[] };

/** The file itself cannot be read (no header, unknown columns, broken quoting, too many rows). */
export class CsvFileError extends Error {
  override readonly name = "CsvFileError";
  constructor(
    detail: string,
    readonly errors: CsvFieldError[],
  ) {
    super(detail);
  }
}

function enumValue(
  value: string,
  column: CsvColumn,
  allowed: readonly string[],
  errors: CsvFieldError[],
): string | undefined {
  if (value === "") return undefined;
  if (allowed.includes(value)) return value;
  errors.push({ name: column, reason: `must be one of ${allowed.slice(0, 12).join(", ")}` });
  return undefined;
}

/** Reads an import file into rows; throws CsvFileError when the file as a whole is unusable. */
export function parseReferralCsv(text: string, vocabulary: CsvVocabulary): CsvRow[] {
  let records: { record: Record<string, string>; info: { lines: number } }[];
  let header: string[] = [];
  try {
    records = parse(text, {
      bom: true,
      columns: (names: string[]) => {
        header = names.map((name) => name.trim().toLowerCase());
        return header;
      },
      info: true,
      skip_empty_lines: true,
      trim: true,
      relax_column_count: false,
    }) as unknown as typeof records;
  } catch (error) {
    if (error instanceof CsvError) {
      // The line, not the text: csv-parse's message can quote the row.
      const line = (error as CsvError & { lines?: number }).lines;
      throw new CsvFileError(`the CSV cannot be read${line ? ` at line ${line}` : ""}`, [
        { name: "(body)", reason: `${csvReason(error.code)}${line ? ` (line ${line})` : ""}` },
      ]);
    }
    throw error;
  }
  if (header.every((column) => column === "")) {
    throw new CsvFileError("the CSV has no header row", [
      { name: "(body)", reason: `a header row naming the columns: ${CSV_COLUMNS.join(", ")}` },
    ]);
  }
  const unknown = header.filter((column) => !(CSV_COLUMNS as readonly string[]).includes(column));
  const missing = REQUIRED_COLUMNS.filter((column) => !header.includes(column));
  const duplicated = header.filter((column, i) => header.indexOf(column) !== i);
  if (unknown.length > 0 || missing.length > 0 || duplicated.length > 0) {
    throw new CsvFileError("the CSV header is not as documented", [
      ...unknown.map((name) => ({ name, reason: "is not a column of this import" })),
      ...missing.map((name) => ({ name, reason: "is a required column" })),
      ...[...new Set(duplicated)].map((name) => ({ name, reason: "appears more than once" })),
    ]);
  }
  if (records.length === 0) {
    throw new CsvFileError("the CSV has no rows", [{ name: "(body)", reason: "at least one referral row" }]);
  }
  if (records.length > MAX_IMPORT_ROWS) {
    throw new CsvFileError(`at most ${MAX_IMPORT_ROWS} rows in one import`, [
      { name: "(body)", reason: `at most ${MAX_IMPORT_ROWS} rows` },
    ]);
  }
  const rows = records.map(({ record, info }) => rowOf(record, info.lines, vocabulary));
  const firstLine = new Map<string, number>();
  for (const row of rows) {
    if (row.clientReference === "") continue;
    const seen = firstLine.get(row.clientReference);
    if (seen !== undefined) {
      throw new CsvFileError("client_reference must be unique in the file", [
        { name: "client_reference", reason: `line ${row.line} repeats the reference of line ${seen}` },
      ]);
    }
    firstLine.set(row.clientReference, row.line);
  }
  return rows;
}

function csvReason(code: string): string {
  switch (code) {
    case "CSV_RECORD_INCONSISTENT_FIELDS_LENGTH":
    case "CSV_RECORD_INCONSISTENT_COLUMNS":
      return "a row has a different number of columns than the header";
    case "CSV_QUOTE_NOT_CLOSED":
      return "a quoted value is not closed";
    case "CSV_INVALID_CLOSING_QUOTE":
    case "CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE":
      return "a quote is misplaced";
    default:
      return "the CSV is malformed";
  }
}

function rowOf(record: Record<string, string>, line: number, vocabulary: CsvVocabulary): CsvRow {
  const value = (column: CsvColumn) => record[column] ?? "";
  const errors: CsvFieldError[] = [];
  const clientReference = value("client_reference");
  if (clientReference === "") errors.push({ name: "client_reference", reason: "is required" });
  else if (clientReference.length > MAX_REFERENCE_LENGTH)
    errors.push({ name: "client_reference", reason: `at most ${MAX_REFERENCE_LENGTH} characters` });
  for (const column of ["beneficiary_id", "consent_id", "target_organisation_id"] as const) {
    if (value(column) === "") errors.push({ name: column, reason: "is required" });
  }
  const serviceType = enumValue(value("service_type"), "service_type", vocabulary.serviceType, errors);
  if (value("service_type") === "") errors.push({ name: "service_type", reason: "is required" });
  const priority = enumValue(value("priority"), "priority", vocabulary.priority, errors);
  const purpose = enumValue(value("purpose"), "purpose", vocabulary.purpose, errors);
  const categories = value("data_categories")
    .split(";")
    .map((category) => category.trim())
    .filter((category) => category !== "");
  const badCategory = categories.find((category) => !vocabulary.dataCategory.includes(category));
  if (badCategory !== undefined) {
    errors.push({
      name: "data_categories",
      reason: `each (separated by ;) must be one of ${vocabulary.dataCategory.slice(0, 12).join(", ")}`,
    });
  }
  if (errors.length > 0) return { line, clientReference, errors };
  return {
    line,
    clientReference,
    referral: {
      beneficiaryId: value("beneficiary_id"),
      consentId: value("consent_id"),
      serviceType,
      ...(priority ? { priority } : {}),
      ...(purpose ? { purpose } : {}),
      reasonForReferral: value("reason_for_referral"),
      explicitTarget: { organisationId: value("target_organisation_id") },
      dataCategories: categories,
    },
  };
}
