import { readFileSync } from "node:fs";
import { type ChannelCredentials, credentials, ServerCredentials } from "@grpc/grpc-js";

// gRPC runs over TLS, and every listener asks its callers for a client certificate from the
// network's certificate authority (mutual TLS, ADR 0012): the services themselves, the operators'
// tools and the gateway hold one; nothing else reaches a service's port. Plaintext exists only
// behind an explicit development flag (`GRPC_PLAINTEXT=development`).

/** PEM files: the CA that signs the network's certificates, and this party's own certificate and key. */
export interface TlsFiles {
  caFile: string;
  certFile: string;
  keyFile: string;
}

/** The same, already read. */
export interface TlsMaterial {
  ca: Buffer;
  cert: Buffer;
  key: Buffer;
}

export type TransportSecurity = TlsFiles | TlsMaterial | "plaintext";

function material(tls: TlsFiles | TlsMaterial): TlsMaterial {
  if ("ca" in tls) return tls;
  return { ca: readFileSync(tls.caFile), cert: readFileSync(tls.certFile), key: readFileSync(tls.keyFile) };
}

/** A listener's credentials: TLS that requires a client certificate signed by the network's CA. */
export function serverCredentials(security: TransportSecurity): ServerCredentials {
  if (security === "plaintext") return ServerCredentials.createInsecure();
  const { ca, cert, key } = material(security);
  return ServerCredentials.createSsl(ca, [{ cert_chain: cert, private_key: key }], true);
}

/** A caller's credentials: trusts only the network's CA and presents its own certificate. */
export function channelCredentials(security: TransportSecurity): ChannelCredentials {
  if (security === "plaintext") return credentials.createInsecure();
  const { ca, cert, key } = material(security);
  return credentials.createSsl(ca, key, cert);
}
