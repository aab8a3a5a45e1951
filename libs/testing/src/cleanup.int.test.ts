import { existsSync, readFileSync } from "node:fs";
import { expect, it } from "vitest";
import { spawnNodeProcess, waitFor } from "./index.js";

// A killed orphan stays a zombie until init reaps it (seconds, on some machines), and kill(pid, 0)
// still succeeds on a zombie; so read the state instead.
function alive(pid: number): boolean {
  try {
    const state = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.[0];
    return state !== undefined && state !== "Z" && state !== "X";
  } catch {
    return false;
  }
}

it("a nats-server and store dir left behind die with their (SIGKILLed) owner process", async () => {
  const owner = spawnNodeProcess(new URL("./fixtures/leaker.ts", import.meta.url));
  const [, pid, dir] = await owner.waitForLine(/^server pid=(\d+) dir=(\S+)$/);
  expect(alive(Number(pid))).toBe(true);
  expect(existsSync(dir as string)).toBe(true);

  await owner.kill("SIGKILL");

  await waitFor(() => !alive(Number(pid)) && !existsSync(dir as string), {
    timeoutMs: 5_000,
    message: `nats-server ${pid} and ${dir} to be cleaned up by the reaper`,
  });
});
