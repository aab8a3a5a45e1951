import { describe, expect, it } from "vitest";
import { KeyedMutex } from "../src/seed-courses.js";

describe("the seed's course seats", () => {
  it("lets one referral at a time take a course's seat, and others of another course meanwhile", async () => {
    const mutex = new KeyedMutex();
    const log: string[] = [];
    let releaseFirst: () => void = () => {};
    const held = new Promise<void>((resolve) => {
      releaseFirst = resolve;
    });
    const first = mutex.run("cc-a/turkish", async () => {
      log.push("first in");
      await held;
      log.push("first out");
    });
    const second = mutex.run("cc-a/turkish", async () => {
      log.push("second in");
    });
    const other = mutex.run("cc-b/turkish", async () => {
      log.push("other in");
    });
    await other;
    expect(log).toEqual(["first in", "other in"]);
    releaseFirst();
    await Promise.all([first, second]);
    expect(log).toEqual(["first in", "other in", "first out", "second in"]);
  });

  it("frees the key when the work fails", async () => {
    const mutex = new KeyedMutex();
    await expect(mutex.run("k", async () => Promise.reject(new Error("full")))).rejects.toThrow("full");
    await expect(mutex.run("k", async () => "next")).resolves.toBe("next");
  });
});
