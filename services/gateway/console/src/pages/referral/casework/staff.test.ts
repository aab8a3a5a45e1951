import { describe, expect, it } from "vitest";
import { parseStaffIds } from "./staff.js";

describe("parseStaffIds", () => {
  it("splits on lines, commas (Arabic too) and spaces, dropping blanks and repeats", () => {
    expect(parseStaffIds("a1\nb2, c3،d4  a1\n\n")).toEqual(["a1", "b2", "c3", "d4"]);
    expect(parseStaffIds("   ")).toEqual([]);
  });
});
