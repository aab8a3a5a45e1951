/** Staff user ids typed one per line or separated by commas or spaces; blanks and repeats dropped. */
export function parseStaffIds(text: string): string[] {
  return [
    ...new Set(
      text
        .split(/[\s,،]+/)
        .map((id) => id.trim())
        .filter(Boolean),
    ),
  ];
}
