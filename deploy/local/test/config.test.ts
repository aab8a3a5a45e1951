import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { assertSafeToWipe, launcherConfig, REPO_ROOT, usesDefaultAddresses } from "../src/config.js";
import { relayLine } from "../src/launcher.js";

describe("launcher configuration", () => {
  it("defaults to .data at the repository root, a nats-server of its own and the default ports", () => {
    const config = launcherConfig({});
    expect(config.dataDir).toBe(join(REPO_ROOT, ".data"));
    expect(config.natsUrl).toBeUndefined();
    expect(launcherConfig({ NATS_URL: " nats://10.0.0.5:4222 " }).natsUrl).toBe("nats://10.0.0.5:4222");
    expect(config.services.map((s) => `${s.name}=${s.address}`)).toEqual([
      "intake=127.0.0.1:50051",
      "protection=127.0.0.1:50052",
      "ecm=127.0.0.1:50053",
      "community-centre=127.0.0.1:50054",
      "municipality=127.0.0.1:50055",
      "coordination=127.0.0.1:50056",
      "notifications=127.0.0.1:50057",
      "gateway=127.0.0.1:50058",
      "matching=127.0.0.1:50059",
    ]);
    expect(usesDefaultAddresses(config)).toBe(true);
    const municipality = config.services.find((s) => s.name === "municipality");
    expect(municipality?.dataDir).toBe(join(REPO_ROOT, ".data", "municipality"));
    expect(municipality?.env).toMatchObject({
      GRPC_PORT: "50055",
      LOG_LEVEL: "warn",
      HOSTED_ORGANISATIONS: "mmcc-adana,mmcc-gaziantep,mmcc-kecioren,mmcc-kilis,mmcc-mersin,mmcc-sanliurfa",
      DATABASE_URL: undefined,
    });
    expect(config.services.find((s) => s.name === "intake")?.env.INTAKE_ORGANISATIONS).toBe(
      "ngo-hayat,ngo-umut,ngo-kopru-relief",
    );
    // Intake asks the matching service about duplicates at other organisations.
    expect(config.services.find((s) => s.name === "intake")?.env.MATCHING_ADDRESS).toBe("127.0.0.1:50059");
    // The partner API reaches every service where it listens and every receiving organisation's inbox.
    const gateway = config.services.find((s) => s.name === "gateway")?.env;
    expect(gateway).toMatchObject({
      HTTP_PORT: "8443",
      PUBLIC_URL: "https://127.0.0.1:8443",
      INTAKE_ADDRESS: "127.0.0.1:50051",
      MUNICIPALITY_ADDRESS: "127.0.0.1:50055",
    });
    expect(gateway?.INBOX_ORGANISATIONS?.split(",")).toEqual(
      expect.arrayContaining(["mmcc-kilis:municipality", "ecm-unit:ecm", "protection-partner:protection"]),
    );
  });

  it("takes addresses, data dir and per-service databases from the environment, never a shared DATABASE_URL", () => {
    const config = launcherConfig(
      {
        DATA_DIR: "/tmp/kopru-x",
        KOPRU_ECM_ADDR: "127.0.0.1:6003",
        DATABASE_URL: "postgres://shared/db",
        KOPRU_ECM_DATABASE_URL: "postgres://localhost/ecm",
        LOG_LEVEL: "debug",
      },
      { verbose: true },
    );
    const ecm = config.services.find((s) => s.name === "ecm");
    expect(ecm?.address).toBe("127.0.0.1:6003");
    expect(ecm?.env).toMatchObject({
      DATABASE_URL: "postgres://localhost/ecm",
      DATA_DIR: "/tmp/kopru-x",
      LOG_LEVEL: "debug",
    });
    expect(config.services.find((s) => s.name === "intake")?.env.DATABASE_URL).toBeUndefined();
    expect(usesDefaultAddresses(config)).toBe(false);
    expect(() => launcherConfig({ KOPRU_INTAKE_ADDR: "nowhere" })).toThrow(/KOPRU_INTAKE_ADDR/);
  });

  it("refuses to wipe anything that is not a data directory", () => {
    expect(() => assertSafeToWipe("/")).toThrow(/refusing/);
    expect(() => assertSafeToWipe(REPO_ROOT)).toThrow(/refusing/);
    expect(() => assertSafeToWipe(join(REPO_ROOT, ".."))).toThrow(/refusing/);
    expect(() => assertSafeToWipe(join(REPO_ROOT, ".data"))).not.toThrow();
  });

  it("relays child output prefixed, with pino lines made readable", () => {
    expect(relayLine("ecm", "[ecm] gRPC listening on 127.0.0.1:50053")).toBe(
      "[ecm] gRPC listening on 127.0.0.1:50053",
    );
    expect(relayLine("ecm", "plain text")).toBe("[ecm] plain text");
    expect(
      relayLine(
        "ecm",
        JSON.stringify({ level: 40, time: 1, pid: 2, hostname: "h", msg: "slow consumer", lag: 12 }),
      ),
    ).toBe('[ecm] WARN slow consumer {"lag":12}');
  });
});
