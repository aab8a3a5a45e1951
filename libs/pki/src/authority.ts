// @peculiar/x509 resolves its algorithms through tsyringe, which needs the Reflect metadata API.
import "reflect-metadata";
import { createPrivateKey, X509Certificate as NodeX509Certificate, webcrypto } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as x509 from "@peculiar/x509";

type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;
const crypto = webcrypto;
const KEY_ALGORITHM = { name: "ECDSA", namedCurve: "P-256" } as const;
const SIGNING_ALGORITHM = { name: "ECDSA", hash: "SHA-256" } as const;
const DAY_MS = 86_400_000;
/** Backdated a little, so a clock slightly behind the issuer's still accepts a fresh certificate. */
const CLOCK_SKEW_MS = 5 * 60_000;

/** A failure of the local CA: unreadable or half-present files, an expired CA, a bad name. */
export class CertificateAuthorityError extends Error {
  override readonly name = "CertificateAuthorityError";
}

export interface CertificateAuthority {
  readonly dir: string;
  readonly certPath: string;
  readonly keyPath: string;
  readonly certPem: string;
  /** Whether this call created it (false: an existing CA under `dir` was reused). */
  readonly created: boolean;
  readonly notAfter: Date;
  /** @internal the signing key; never leaves the process but through `keyPath`. */
  readonly signingKey: CryptoKey;
  /** @internal */
  readonly certificate: x509.X509Certificate;
}

export interface CreateCertificateAuthorityOptions {
  /** Subject common name. Default "Köprü local development CA". */
  commonName?: string;
  /** Default 5 years. */
  validityDays?: number;
}

const CA_CERT = "ca.crt";
const CA_KEY = "ca.key";

/**
 * The local CA under `dir` (`ca.crt`, `ca.key`): reused when both files are there, created (ECDSA
 * P-256, 5 years) when neither is. The directory is kept at mode 0700 and every key at 0600.
 */
export async function createCertificateAuthority(
  dir: string,
  options: CreateCertificateAuthorityOptions = {},
): Promise<CertificateAuthority> {
  ensurePrivateDir(dir);
  const certPath = join(dir, CA_CERT);
  const keyPath = join(dir, CA_KEY);
  const hasCert = existsSync(certPath);
  const hasKey = existsSync(keyPath);
  if (hasCert !== hasKey) {
    throw new CertificateAuthorityError(
      `${dir} holds ${hasCert ? CA_CERT : CA_KEY} without ${hasCert ? CA_KEY : CA_CERT}; remove it to create a new CA`,
    );
  }
  if (hasCert) return loadAuthority(dir, certPath, keyPath);

  const keys = (await crypto.subtle.generateKey(KEY_ALGORITHM, true, ["sign", "verify"])) as CryptoKeyPair;
  const notBefore = new Date(Date.now() - CLOCK_SKEW_MS);
  const notAfter = new Date(notBefore.getTime() + (options.validityDays ?? 5 * 365) * DAY_MS);
  const certificate = await x509.X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: serialNumber(),
      name: [{ CN: [options.commonName ?? "Köprü local development CA"] }, { O: ["Köprü"] }],
      notBefore,
      notAfter,
      keys,
      signingAlgorithm: SIGNING_ALGORITHM,
      extensions: [
        new x509.BasicConstraintsExtension(true, 0, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey, false, crypto),
      ],
    },
    crypto,
  );
  const certPem = certificate.toString("pem");
  writePrivate(keyPath, await privateKeyPem(keys.privateKey));
  writePublic(certPath, certPem);
  return {
    dir,
    certPath,
    keyPath,
    certPem,
    created: true,
    notAfter,
    signingKey: keys.privateKey,
    certificate,
  };
}

async function loadAuthority(dir: string, certPath: string, keyPath: string): Promise<CertificateAuthority> {
  // Tighten what an earlier, looser umask may have left.
  chmodSync(keyPath, 0o600);
  const certPem = readFileSync(certPath, "utf8");
  let certificate: x509.X509Certificate;
  let signingKey: CryptoKey;
  try {
    certificate = new x509.X509Certificate(certPem);
    signingKey = await crypto.subtle.importKey(
      "pkcs8",
      x509.PemConverter.decodeFirst(readFileSync(keyPath, "utf8")),
      KEY_ALGORITHM,
      false,
      ["sign"],
    );
  } catch (error) {
    throw new CertificateAuthorityError(`the CA under ${dir} cannot be read`, { cause: error });
  }
  if (!new NodeX509Certificate(certPem).checkPrivateKey(createPrivateKey(readFileSync(keyPath)))) {
    throw new CertificateAuthorityError(`${keyPath} is not the key of ${certPath}`);
  }
  if (certificate.notAfter.getTime() <= Date.now()) {
    throw new CertificateAuthorityError(
      `the CA under ${dir} expired on ${certificate.notAfter.toISOString()}; remove ${dir} to create a new one`,
    );
  }
  return {
    dir,
    certPath,
    keyPath,
    certPem,
    created: false,
    notAfter: certificate.notAfter,
    signingKey,
    certificate,
  };
}

export type CertificateUsage = "server+client" | "client";

export interface IssueCertificateOptions {
  /** Subject common name and file name (`<name>.crt`, `<name>.key`): letters, digits, `.`, `_`, `-`. */
  name: string;
  dnsNames?: readonly string[];
  ipAddresses?: readonly string[];
  /** A service is both (it serves gRPC and calls others); an operator tool is a client only. */
  usage: CertificateUsage;
  /** Default 1 year. */
  validityDays?: number;
  /** Where the files go. Default the CA's directory. */
  dir?: string;
}

export interface IssuedCertificate {
  readonly name: string;
  readonly certPath: string;
  readonly keyPath: string;
  /** The CA certificate, to trust peers with (`GRPC_TLS_CA_FILE`). */
  readonly caPath: string;
  readonly certPem: string;
  readonly keyPem: string;
  readonly caPem: string;
  readonly notAfter: Date;
}

/** Issues (or re-issues, replacing the files) a certificate with a fresh ECDSA P-256 key. */
export async function issueCertificate(
  ca: CertificateAuthority,
  options: IssueCertificateOptions,
): Promise<IssuedCertificate> {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(options.name) || options.name === "ca") {
    throw new CertificateAuthorityError(
      `"${options.name}" cannot name a certificate (letters, digits, . _ -; not "ca")`,
    );
  }
  const dnsNames = options.dnsNames ?? [];
  const ipAddresses = options.ipAddresses ?? [];
  if (options.usage === "server+client" && dnsNames.length + ipAddresses.length === 0) {
    throw new CertificateAuthorityError(
      `a server certificate (${options.name}) needs a DNS name or an IP address`,
    );
  }
  const keys = (await crypto.subtle.generateKey(KEY_ALGORITHM, true, ["sign", "verify"])) as CryptoKeyPair;
  const notBefore = new Date(Date.now() - CLOCK_SKEW_MS);
  const wanted = new Date(notBefore.getTime() + (options.validityDays ?? 365) * DAY_MS);
  // A certificate never outlives its CA.
  const notAfter = wanted < ca.notAfter ? wanted : ca.notAfter;
  const usages =
    options.usage === "server+client"
      ? [x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth]
      : [x509.ExtendedKeyUsage.clientAuth];
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
    new x509.ExtendedKeyUsageExtension(usages, false),
    await x509.SubjectKeyIdentifierExtension.create(keys.publicKey, false, crypto),
    await x509.AuthorityKeyIdentifierExtension.create(ca.certificate, false, crypto),
  ];
  if (dnsNames.length + ipAddresses.length > 0) {
    extensions.push(
      new x509.SubjectAlternativeNameExtension(
        [
          ...dnsNames.map((value) => ({ type: "dns" as const, value })),
          ...ipAddresses.map((value) => ({ type: "ip" as const, value })),
        ],
        false,
      ),
    );
  }
  const certificate = await x509.X509CertificateGenerator.create(
    {
      serialNumber: serialNumber(),
      subject: [{ CN: [options.name] }, { O: ["Köprü"] }],
      issuer: ca.certificate.subjectName,
      notBefore,
      notAfter,
      publicKey: keys.publicKey,
      signingKey: ca.signingKey,
      signingAlgorithm: SIGNING_ALGORITHM,
      extensions,
    },
    crypto,
  );
  const dir = options.dir ?? ca.dir;
  ensurePrivateDir(dir);
  const certPath = join(dir, `${options.name}.crt`);
  const keyPath = join(dir, `${options.name}.key`);
  const certPem = certificate.toString("pem");
  const keyPem = await privateKeyPem(keys.privateKey);
  writePrivate(keyPath, keyPem);
  writePublic(certPath, certPem);
  return {
    name: options.name,
    certPath,
    keyPath,
    caPath: ca.certPath,
    certPem,
    keyPem,
    caPem: ca.certPem,
    notAfter,
  };
}

function serialNumber(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  // Positive, as RFC 5280 asks.
  bytes[0] = (bytes[0] as number) & 0x7f;
  return Buffer.from(bytes).toString("hex");
}

async function privateKeyPem(key: CryptoKey): Promise<string> {
  return x509.PemConverter.encode(await crypto.subtle.exportKey("pkcs8", key), "PRIVATE KEY");
}

function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
}

/** Written beside and renamed over: a reader never sees half a key, and the mode is 0600 from the start. */
function writePrivate(path: string, pem: string): void {
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, pem, { mode: 0o600 });
  chmodSync(temporary, 0o600);
  renameSync(temporary, path);
}

function writePublic(path: string, pem: string): void {
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, pem, { mode: 0o644 });
  renameSync(temporary, path);
}
