import { describe, expect, it } from "vitest";
import { ProcessExitedError, spawnNodeProcess, WaitForTimeoutError } from "./index.js";

const fixture = new URL("./fixtures/ticker.ts", import.meta.url);

describe("spawnNodeProcess", () => {
  it("runs a TypeScript entry with workspace sources, captures both streams, and reports SIGKILL", async () => {
    const child = spawnNodeProcess(fixture);
    const match = await child.waitForLine(/^ready pid=(\d+) name=(KOPRU_T_fixture_\w+) mode=wait$/);
    expect(Number(match[1])).toBe(child.pid);
    await child.waitForLine("a line on stderr", { stream: "stderr" });
    expect(child.running).toBe(true);

    const exit = await child.kill("SIGKILL");
    expect(exit).toEqual({ code: null, signal: "SIGKILL" });
    expect(child.running).toBe(false);
    expect(await child.exited).toBe(exit);
  });

  it("passes args and env, and lets the child handle SIGTERM", async () => {
    const child = spawnNodeProcess(fixture, { args: ["graceful"], env: { KOPRU_UNUSED: "1" } });
    await child.waitForLine(/mode=graceful/);
    expect(await child.kill()).toEqual({ code: 0, signal: null });
    expect(child.stdout()).toContain("got SIGTERM, exiting");
  });

  it("rejects waitForLine when the child exits first, and on timeout", async () => {
    const quitter = spawnNodeProcess(fixture, { args: ["exit"] });
    const error = await quitter.waitForLine(/never printed/).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProcessExitedError);
    expect(error).toMatchObject({ code: 3, signal: null });
    expect((error as Error).message).toContain("exiting with 3");

    const idler = spawnNodeProcess(fixture);
    await idler.waitForLine(/ready/);
    await expect(idler.waitForLine(/never printed/, { timeoutMs: 100 })).rejects.toBeInstanceOf(
      WaitForTimeoutError,
    );
    // Lines printed before the call still match; fromLine skips them.
    await expect(idler.waitForLine(/ready/)).resolves.toBeTruthy();
    await expect(
      idler.waitForLine(/ready/, { fromLine: idler.lines.length, timeoutMs: 100 }),
    ).rejects.toBeInstanceOf(WaitForTimeoutError);
    await idler.kill("SIGKILL");
  });
});
