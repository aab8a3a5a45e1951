import type { TlsFiles } from "@kopru/service-kit";

/**
 * `.data/network.json`: how tools on this machine reach the running network — the token issuer, the
 * CLI's client id, the operator certificate for mutual TLS and each service's address. It names files
 * and addresses only; the secrets stay in the files it points to (0600).
 */
export const NETWORK_FILE = "network.json";

export interface NetworkFile {
  issuer: string;
  cliClientId: string;
  tls: TlsFiles;
  addresses: Record<string, string>;
}
