import { describe, expect, it } from "vitest";
import { formatList } from "./list.js";

describe("formatList", () => {
  it("lists with each language's own separators and conjunction", () => {
    expect(formatList(["A", "B", "C"], "en")).toBe("A, B, and C");
    expect(formatList(["A", "B", "C"], "tr")).toBe("A, B ve C");
    expect(formatList(["أ", "ب"], "ar")).toBe("أ وب");
    expect(formatList([], "tr")).toBe("—");
  });
});
