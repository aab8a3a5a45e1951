import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnNodeProcess } from "@kopru/testing";
import { createTransport } from "nodemailer";
import { afterAll, describe, expect, it } from "vitest";
import { MAIL_CATCHER_ENTRY, MAIL_CATCHER_READY, readMailbox, startMailCatcher } from "./index.js";

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "kopru-mail-"));
  dirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe("the mail catcher", () => {
  it("keeps what nodemailer sends as an .eml file, readable decoded", async () => {
    const dir = tempDir();
    const catcher = await startMailCatcher({ dir });
    try {
      const transport = createTransport(catcher.url);
      await transport.sendMail({
        from: "Köprü <notifications@kopru.example>",
        to: "caseworker@ngo-a.example",
        subject: "Bir yönlendirme geldi",
        text: "Şu bağlantıya bakın: https://console.example/referrals/1",
      });
      const mails = await readMailbox(dir);
      expect(mails).toHaveLength(1);
      expect(mails[0]).toMatchObject({
        from: "notifications@kopru.example",
        to: ["caseworker@ngo-a.example"],
        subject: "Bir yönlendirme geldi",
      });
      expect(mails[0]?.text).toContain("Şu bağlantıya bakın");
      expect(readdirSync(dir).filter((f) => f.endsWith(".part"))).toEqual([]);
    } finally {
      await catcher.close();
    }
  });

  it("refuses to listen beyond the loopback", async () => {
    await expect(startMailCatcher({ dir: tempDir(), host: "0.0.0.0" })).rejects.toThrow(/loopback/);
  });

  it("runs as a process of its own that says where it listens and writes", async () => {
    const dir = tempDir();
    const child = spawnNodeProcess(MAIL_CATCHER_ENTRY, { env: { MAIL_DIR: dir, SMTP_PORT: "0" } });
    try {
      const [, url] = await child.waitForLine(MAIL_CATCHER_READY);
      await createTransport(url as string).sendMail({
        from: "a@x.example",
        to: "b@y.example",
        subject: "one",
        text: "1",
      });
      expect((await readMailbox(dir)).map((m) => m.subject)).toEqual(["one"]);
    } finally {
      await child.kill();
    }
  });
});
