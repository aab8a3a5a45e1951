import { describe, expect, it } from "vitest";
import {
  describeError,
  NATS_INSTALL,
  natsUnavailableMessage,
  POSTGRES_INSTALL,
  POSTGRES_START,
  postgresUnavailableMessage,
  redactUrl,
} from "./messages.js";

describe("postgresUnavailableMessage", () => {
  it("names PostgreSQL, the address, DATABASE_URL and the install and start commands", () => {
    const message = postgresUnavailableMessage({ kind: "not-answering", address: "127.0.0.1:5432" });
    expect(message).toBe(
      "PostgreSQL does not answer at 127.0.0.1:5432 and DATABASE_URL is not set. " +
        "Install it with `apt-get install -y postgresql` and start it with " +
        "`pg_ctlcluster --skip-systemctl-redirect 15 main start`, or set DATABASE_URL.",
    );
    expect(message).toContain(POSTGRES_INSTALL);
    expect(message).toContain(POSTGRES_START);
  });

  it("lists the roles tried when the server refuses them", () => {
    const message = postgresUnavailableMessage({
      kind: "rejected",
      address: "127.0.0.1:5432",
      users: ["postgres", "root"],
      detail: "postgres: password authentication failed",
    });
    expect(message).toContain("PostgreSQL at 127.0.0.1:5432");
    expect(message).toContain("postgres, root");
    expect(message).toContain("password authentication failed");
  });

  it("blames DATABASE_URL, without its password, when it is set but unusable", () => {
    const message = postgresUnavailableMessage({
      kind: "env-unusable",
      url: "postgres://app:s3cret@db:5432/x",
      detail: "ECONNREFUSED",
    });
    expect(message).toContain("DATABASE_URL=postgres://app:***@db:5432/x");
    expect(message).not.toContain("s3cret");
  });
});

describe("natsUnavailableMessage", () => {
  it("names nats-server, the places searched for it and the install command", () => {
    const message = natsUnavailableMessage({
      kind: "no-server",
      searched: ["/usr/bin/nats-server", "/usr/sbin/nats-server"],
    });
    expect(message).toMatch(/^Tests start a nats-server of their own, but no nats-server binary was found/);
    expect(message).toContain("/usr/sbin/nats-server");
    expect(message).toContain(`\`${NATS_INSTALL}\``);
    expect(NATS_INSTALL).toBe("apt-get install -y nats-server");
    expect(message).toContain("set NATS_URL");
  });

  it("blames NATS_URL when it is set but unusable", () => {
    const message = natsUnavailableMessage({ kind: "env-unusable", url: "nats://x:4222", detail: "timeout" });
    expect(message).toContain("NATS_URL=nats://x:4222");
    expect(message).toContain("-js");
  });
});

describe("redactUrl and describeError", () => {
  it("leaves URLs without a password and non-URLs alone", () => {
    expect(redactUrl("postgres://postgres@127.0.0.1:5432/postgres")).toBe(
      "postgres://postgres@127.0.0.1:5432/postgres",
    );
    expect(redactUrl("not a url")).toBe("not a url");
  });

  it("includes the error code and every reason of an AggregateError", () => {
    const refused = Object.assign(new Error("connect failed"), { code: "ECONNREFUSED" });
    expect(describeError(new AggregateError([refused, new Error("other")]))).toBe(
      "ECONNREFUSED: connect failed; other",
    );
  });
});
