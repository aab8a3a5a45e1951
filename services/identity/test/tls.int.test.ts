import "reflect-metadata";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { clientCredentials, DiscoveryError, passwordLogin } from "@kopru/identity-client";
import * as x509 from "@peculiar/x509";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLI_CLIENT, type Harness, startHarness } from "./harness.js";

const EC = { name: "ECDSA", namedCurve: "P-256" } as const;
const SIGNING = { name: "ECDSA", hash: "SHA-256" } as const;

/** A local CA and a server certificate for 127.0.0.1, as the launcher makes them. */
async function localPki(dir: string) {
  const caKeys = await crypto.subtle.generateKey(EC, true, ["sign", "verify"]);
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    name: "CN=Köprü test CA",
    keys: caKeys,
    signingAlgorithm: SIGNING,
    notAfter: new Date(Date.now() + 86_400_000),
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
    ],
  });
  const serverKeys = await crypto.subtle.generateKey(EC, true, ["sign", "verify"]);
  const server = await x509.X509CertificateGenerator.create({
    subject: "CN=identity",
    issuer: ca.subject,
    publicKey: serverKeys.publicKey,
    signingKey: caKeys.privateKey,
    signingAlgorithm: SIGNING,
    notAfter: new Date(Date.now() + 86_400_000),
    extensions: [
      new x509.SubjectAlternativeNameExtension([
        { type: "ip", value: "127.0.0.1" },
        { type: "dns", value: "localhost" },
      ]),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
    ],
  });
  const pkcs8 = Buffer.from(await crypto.subtle.exportKey("pkcs8", serverKeys.privateKey)).toString("base64");
  const certFile = join(dir, "identity.crt");
  const keyFile = join(dir, "identity.key");
  writeFileSync(certFile, server.toString("pem"));
  writeFileSync(
    keyFile,
    `-----BEGIN PRIVATE KEY-----\n${pkcs8.replace(/.{64}/g, "$&\n")}\n-----END PRIVATE KEY-----\n`,
    {
      mode: 0o600,
    },
  );
  return { caPem: ca.toString("pem"), certFile, keyFile };
}

describe("the identity service over HTTPS on a local CA", () => {
  let h: Harness;
  let dir: string;
  let caPem: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "kopru-identity-tls-"));
    const pki = await localPki(dir);
    caPem = pki.caPem;
    h = await startHarness({ storage: "pglite", tls: { certFile: pki.certFile, keyFile: pki.keyFile } });
  });
  afterAll(async () => {
    await h?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("serves tokens to a client that trusts the CA, and is refused by one that does not", async () => {
    expect(h.issuer).toMatch(/^https:\/\//);
    const trusting = clientCredentials({
      issuer: h.issuer,
      ca: caPem,
      clientId: "service-intake",
      clientSecret: h.secret("service-intake"),
    });
    expect(await trusting.token("urn:kopru:intake")).toMatch(/^ey/);
    const staff = await passwordLogin({
      issuer: h.issuer,
      ca: caPem,
      clientId: CLI_CLIENT,
      username: "ayse.caseworker",
      password: h.password("ayse.caseworker"),
      audiences: ["urn:kopru:intake"],
    });
    expect(await staff.token("urn:kopru:intake")).toMatch(/^ey/);

    const untrusting = clientCredentials({
      issuer: h.issuer,
      clientId: "service-intake",
      clientSecret: h.secret("service-intake"),
    });
    await expect(untrusting.token("urn:kopru:intake")).rejects.toBeInstanceOf(DiscoveryError);
  });
});
