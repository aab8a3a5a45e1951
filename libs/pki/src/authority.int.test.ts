import { X509Certificate } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import { HealthImplementation, service as healthService } from "grpc-health-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type CertificateAuthority,
  CertificateAuthorityError,
  createCertificateAuthority,
  type IssuedCertificate,
  issueCertificate,
} from "./index.js";

// Mutual TLS on a real gRPC listener (the health service), the way every Köprü service listens:
// only a client holding a certificate from the network's CA gets an answer.

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "kopru-pki-"));
  dirs.push(dir);
  return dir;
}

let ca: CertificateAuthority;
let server: grpc.Server;
let port: number;
let serviceCert: IssuedCertificate;
let toolCert: IssuedCertificate;
let foreignCert: IssuedCertificate;

const HealthClient = grpc.makeGenericClientConstructor(healthService, "Health");

/** One Health/Check call (an empty request: the server's overall status); fails fast, no waiting for ready. */
function check(credentials: grpc.ChannelCredentials, host = "127.0.0.1"): Promise<string> {
  const client = new HealthClient(`${host}:${port}`, credentials);
  return new Promise<string>((resolve, reject) => {
    client.makeUnaryRequest(
      "/grpc.health.v1.Health/Check",
      (request: Buffer) => request,
      (response: Buffer) => response,
      Buffer.alloc(0),
      { deadline: Date.now() + 5_000 },
      (error: grpc.ServiceError | null, response?: Buffer) => {
        client.close();
        if (error) reject(error);
        // field 1 (status), varint 1: SERVING
        else
          resolve(response?.toString("hex") === "0801" ? "SERVING" : `response ${response?.toString("hex")}`);
      },
    );
  });
}

beforeAll(async () => {
  const dir = tempDir();
  ca = await createCertificateAuthority(join(dir, "pki"));
  serviceCert = await issueCertificate(ca, {
    name: "intake",
    dnsNames: ["localhost"],
    ipAddresses: ["127.0.0.1"],
    usage: "server+client",
  });
  toolCert = await issueCertificate(ca, { name: "operator", usage: "client" });
  const otherCa = await createCertificateAuthority(join(tempDir(), "other"));
  foreignCert = await issueCertificate(otherCa, {
    name: "intruder",
    dnsNames: ["localhost"],
    ipAddresses: ["127.0.0.1"],
    usage: "server+client",
  });

  server = new grpc.Server();
  new HealthImplementation({ "": "SERVING" }).addToServer(server);
  const credentials = grpc.ServerCredentials.createSsl(
    Buffer.from(ca.certPem),
    [{ cert_chain: Buffer.from(serviceCert.certPem), private_key: Buffer.from(serviceCert.keyPem) }],
    true,
  );
  port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", credentials, (error, bound) => (error ? reject(error) : resolve(bound))),
  );
});

afterAll(async () => {
  await new Promise<void>((resolve) => (server ? server.tryShutdown(() => resolve()) : resolve()));
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const mtls = (cert: IssuedCertificate, caPem = ca.certPem) =>
  grpc.credentials.createSsl(Buffer.from(caPem), Buffer.from(cert.keyPem), Buffer.from(cert.certPem));

describe("a gRPC listener requiring client certificates from the CA", () => {
  it("answers a service's client certificate, by IP address and by name", async () => {
    await expect(check(mtls(serviceCert))).resolves.toBe("SERVING");
    await expect(check(mtls(serviceCert), "localhost")).resolves.toBe("SERVING");
  });

  it("answers an operator tool's client-only certificate", async () => {
    await expect(check(mtls(toolCert))).resolves.toBe("SERVING");
  });

  it("refuses plaintext", async () => {
    await expect(check(grpc.credentials.createInsecure())).rejects.toMatchObject({
      code: grpc.status.UNAVAILABLE,
      details: expect.stringMatching(/No connection established/),
    });
  });

  it("refuses a client certificate from another CA", async () => {
    await expect(check(mtls(foreignCert))).rejects.toMatchObject({
      code: grpc.status.UNAVAILABLE,
      details: expect.stringMatching(/No connection established/),
    });
    // The same client with the network's certificate gets through: the refusal was the certificate's.
    await expect(check(mtls(serviceCert))).resolves.toBe("SERVING");
  });

  it("refuses a client without a certificate", async () => {
    await expect(check(grpc.credentials.createSsl(Buffer.from(ca.certPem)))).rejects.toMatchObject({
      code: grpc.status.UNAVAILABLE,
      details: expect.stringMatching(/certificate required/),
    });
  });

  it("is not trusted by a client that trusts only another CA", async () => {
    await expect(check(mtls(serviceCert, foreignCert.caPem))).rejects.toMatchObject({
      code: grpc.status.UNAVAILABLE,
      details: expect.stringMatching(/self-signed certificate/),
    });
  });
});

describe("the certificates", () => {
  const DAY = 86_400_000;

  it("name the service in their SANs, with server and client auth, valid about a year", () => {
    const cert = new X509Certificate(serviceCert.certPem);
    expect(cert.subjectAltName).toBe("DNS:localhost, IP Address:127.0.0.1");
    expect(cert.keyUsage?.sort()).toEqual(["1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"]);
    expect(cert.ca).toBe(false);
    expect(cert.checkIssued(new X509Certificate(ca.certPem))).toBe(true);
    expect(cert.verify(new X509Certificate(ca.certPem).publicKey)).toBe(true);
    const days = (Date.parse(cert.validTo) - Date.parse(cert.validFrom)) / DAY;
    expect(days).toBeCloseTo(365, 0);
    expect(Date.parse(cert.validFrom)).toBeLessThanOrEqual(Date.now());
    expect(cert.publicKey.asymmetricKeyDetails?.namedCurve).toBe("prime256v1");
  });

  it("give an operator tool client auth only", () => {
    const cert = new X509Certificate(toolCert.certPem);
    expect(cert.keyUsage).toEqual(["1.3.6.1.5.5.7.3.2"]);
    expect(cert.subjectAltName).toBeUndefined();
    expect(cert.subject).toContain("CN=operator");
  });

  it("come from a CA valid five years, marked as a CA", () => {
    const cert = new X509Certificate(ca.certPem);
    expect(cert.ca).toBe(true);
    expect((Date.parse(cert.validTo) - Date.parse(cert.validFrom)) / DAY).toBeCloseTo(5 * 365, 0);
  });

  it("keep private keys at 0600 in a 0700 directory", () => {
    expect(statSync(ca.dir).mode & 0o777).toBe(0o700);
    for (const path of [ca.keyPath, serviceCert.keyPath, toolCert.keyPath]) {
      expect(statSync(path).mode & 0o777).toBe(0o600);
    }
    expect(readFileSync(serviceCert.keyPath, "utf8")).toBe(serviceCert.keyPem);
    expect(readFileSync(serviceCert.certPath, "utf8")).toBe(serviceCert.certPem);
  });

  it("reuse an existing CA, so earlier certificates stay trusted", async () => {
    const again = await createCertificateAuthority(ca.dir);
    expect(again.created).toBe(false);
    expect(again.certPem).toBe(ca.certPem);
    const reissued = await issueCertificate(again, { name: "operator-2", usage: "client" });
    expect(new X509Certificate(reissued.certPem).checkIssued(new X509Certificate(ca.certPem))).toBe(true);
  });

  it("refuse a name that would overwrite the CA, and a CA directory holding only half a CA", async () => {
    await expect(issueCertificate(ca, { name: "ca", usage: "client" })).rejects.toThrow(
      CertificateAuthorityError,
    );
    await expect(issueCertificate(ca, { name: "../x", usage: "client" })).rejects.toThrow(
      CertificateAuthorityError,
    );
    const half = tempDir();
    const { writeFileSync } = await import("node:fs");
    writeFileSync(join(half, "ca.crt"), ca.certPem);
    await expect(createCertificateAuthority(half)).rejects.toThrow(/ca\.crt without ca\.key/);
  });
});
