import { type ChildProcess, spawn } from "node:child_process";

// Child processes and temp dirs must not outlive the test process, even when a test forgets its
// teardown. An "exit" handler is not enough: vitest stops its workers with SIGTERM (then SIGKILL),
// and neither runs exit handlers. So, like testcontainers' Ryuk, a tiny reaper process holds a pipe
// from this process; when the pipe closes (this process is gone, however it died), the reaper
// SIGKILLs the registered children and removes the registered dirs.

const REAPER = `
const { rmSync } = require("node:fs");
const pids = new Set();
const dirs = new Set();
for (const s of ["SIGINT", "SIGTERM", "SIGHUP"]) process.on(s, () => {});
let buffer = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => {
  buffer += chunk;
  for (let i = buffer.indexOf("\\n"); i >= 0; i = buffer.indexOf("\\n")) {
    const line = buffer.slice(0, i);
    buffer = buffer.slice(i + 1);
    const op = line.slice(0, 4);
    const arg = line.slice(5);
    if (op === "+pid") pids.add(Number(arg));
    else if (op === "-pid") pids.delete(Number(arg));
    else if (op === "+dir") dirs.add(arg);
    else if (op === "-dir") dirs.delete(arg);
  }
});
process.stdin.on("end", () => {
  for (const pid of pids) { try { process.kill(pid, "SIGKILL"); } catch {} }
  for (const dir of dirs) { try { rmSync(dir, { recursive: true, force: true }); } catch {} }
  process.exit(0);
});
`;

const key = Symbol.for("kopru.testing.reaper");

function reaper(): ChildProcess {
  const holder = globalThis as { [key]?: ChildProcess };
  let child = holder[key];
  if (!child || child.exitCode !== null || child.signalCode !== null) {
    child = spawn(process.execPath, ["-e", REAPER], { stdio: ["pipe", "ignore", "ignore"] });
    // Neither the reaper nor its pipe may keep this process alive.
    child.unref();
    (child.stdin as unknown as { unref?: () => void } | null)?.unref?.();
    child.stdin?.on("error", () => {});
    child.on("error", () => {});
    holder[key] = child;
  }
  return child;
}

function send(line: string): void {
  reaper().stdin?.write(`${line}\n`);
}

/** Kill this child if this process dies first. Returns the "it exited on its own" callback. */
export function reapOnExit(pid: number | undefined): () => void {
  if (pid === undefined) return () => {};
  send(`+pid ${pid}`);
  return () => send(`-pid ${pid}`);
}

/** Remove this dir if this process dies first. Returns the "removed it myself" callback. */
export function removeOnExit(dir: string): () => void {
  send(`+dir ${dir}`);
  return () => send(`-dir ${dir}`);
}
