import { InvalidArgumentError } from "@kopru/service-kit";
import { describe, expect, it } from "vitest";
import { nextPage, readPage } from "./views.js";

describe("page tokens", () => {
  it("reads back the token the previous page gave out", () => {
    const first = readPage({ pageSize: 20, pageToken: "" });
    expect(first).toEqual({ limit: 20, offset: 0 });
    const token = nextPage(20, first).nextPageToken;
    expect(readPage({ pageSize: 20, pageToken: token })).toEqual({ limit: 20, offset: 20 });
  });

  it.each(["cnry3f9a0b1c2d3eZeynep", "-5", "1.5", "ZZ", "zzzzzzzzzzz"])(
    "refuses %j as an invalid argument instead of reading a huge or odd offset",
    (pageToken) => {
      expect(() => readPage({ pageSize: 0, pageToken })).toThrow(InvalidArgumentError);
    },
  );
});
