import { type FieldViolation, InvalidArgumentError } from "./errors.js";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const SLUG = /^[a-z0-9][a-z0-9-]{1,62}$/;

const EARLIEST_TIMESTAMP = Date.parse("0001-01-01T00:00:00.000Z");
const LATEST_TIMESTAMP = Date.parse("9999-12-31T23:59:59.999Z");

type EnumObject = Record<string, string | number>;

/**
 * Collects every problem of a request before refusing it, so the caller fixes them all at once.
 * Field names are given in their proto spelling, which is what partners see in their contracts.
 */
export class RequestValidator {
  private readonly violations: FieldViolation[] = [];

  fail(field: string, description: string): this {
    this.violations.push({ field, description });
    return this;
  }

  required(value: string | undefined | null, field: string): this {
    if (value === undefined || value === null || value.trim() === "") this.fail(field, "is required");
    return this;
  }

  uuid(value: string | undefined, field: string, options: { optional?: boolean } = {}): this {
    if (!value) return options.optional ? this : this.fail(field, "is required");
    if (!UUID.test(value)) this.fail(field, "must be a UUID");
    return this;
  }

  /** Organisation ids are short lowercase slugs (they appear as NATS subject tokens). */
  organisationId(value: string | undefined, field: string): this {
    if (!value) return this.fail(field, "is required");
    if (!SLUG.test(value))
      this.fail(field, "must be an organisation id (lowercase letters, digits, hyphens)");
    return this;
  }

  /** A set enum value: not the zero `_UNSPECIFIED` and not an unknown number. */
  enumValue(
    value: number | undefined,
    enumObject: EnumObject,
    field: string,
    options: { optional?: boolean } = {},
  ): this {
    if (value === undefined || value === 0) {
      return options.optional
        ? this
        : this.fail(field, `is required (one of ${enumNames(enumObject).join(", ")})`);
    }
    if (!(value in enumObject) || value < 0) this.fail(field, `has unknown value ${value}`);
    return this;
  }

  enumList(
    values: readonly number[] | undefined,
    enumObject: EnumObject,
    field: string,
    options: { min?: number } = {},
  ): this {
    const list = values ?? [];
    if (list.length < (options.min ?? 0)) this.fail(field, `needs at least ${options.min} value(s)`);
    list.forEach((value, i) => {
      if (value === 0 || !(value in enumObject) || value < 0)
        this.fail(`${field}[${i}]`, `has invalid value ${value}`);
    });
    return this;
  }

  maxLength(value: string | undefined, max: number, field: string): this {
    if (value !== undefined && value.length > max) this.fail(field, `must be at most ${max} characters`);
    return this;
  }

  range(
    value: number | undefined,
    min: number,
    max: number,
    field: string,
    options: { optional?: boolean } = {},
  ): this {
    if (value === undefined || value === null)
      return options.optional ? this : this.fail(field, "is required");
    if (!Number.isFinite(value) || value < min || value > max)
      this.fail(field, `must be between ${min} and ${max}`);
    return this;
  }

  date(value: Date | undefined, field: string, options: { optional?: boolean } = {}): this {
    if (!value) return options.optional ? this : this.fail(field, "is required");
    const time = value.getTime();
    if (Number.isNaN(time)) return this.fail(field, "is not a valid timestamp");
    // PostgreSQL and ISO 8601 text both stop at four-digit years; a protobuf Timestamp can say
    // year 0 or 10000, which would otherwise reach the database and come back as an internal error.
    if (time < EARLIEST_TIMESTAMP || time > LATEST_TIMESTAMP)
      this.fail(field, "must be between 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z");
    return this;
  }

  check(condition: boolean, field: string, description: string): this {
    if (!condition) this.fail(field, description);
    return this;
  }

  /** Throws InvalidArgumentError naming every field at fault, or returns quietly. */
  done(): void {
    if (this.violations.length > 0) throw new InvalidArgumentError(this.violations);
  }
}

export function validate(): RequestValidator {
  return new RequestValidator();
}

function enumNames(enumObject: EnumObject): string[] {
  return Object.keys(enumObject).filter(
    (k) => Number.isNaN(Number(k)) && !k.endsWith("UNSPECIFIED") && k !== "UNRECOGNIZED",
  );
}
