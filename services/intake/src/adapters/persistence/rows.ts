/** A nullable text column as an optional proto field. */
export function optionalText(value: string | null): string | undefined {
  return value === null ? undefined : value;
}

export function optionalDate(value: Date | string | null): Date | undefined {
  return value === null ? undefined : new Date(value);
}

/** int[] columns come back as numbers from both engines; text would be a driver surprise. */
export function numbers(values: readonly (number | string)[] | null): number[] {
  return (values ?? []).map(Number);
}
