/**
 * The Köprü services, their default gRPC ports and which service hosts an organisation. The
 * launcher (`@kopru/local`) starts them from this table and the CLI finds them with it, so both agree
 * on where everything listens.
 */
import { NETWORK_SERVICES, type NetworkService, RECEIVING_SERVICES } from "@kopru/events";

/** The network's service processes: one list for the launcher, the CLI and the NATS users. */
export const SERVICE_NAMES = NETWORK_SERVICES;
export type ServiceName = NetworkService;

/** Services that receive referrals and serve `kopru.referral.v1.ReferralInboxService`. */
export { RECEIVING_SERVICES };
export type ReceivingService = (typeof RECEIVING_SERVICES)[number];

export const DEFAULT_PORTS: Readonly<Record<ServiceName, number>> = Object.freeze({
  intake: 50051,
  protection: 50052,
  ecm: 50053,
  "community-centre": 50054,
  municipality: 50055,
  coordination: 50056,
  notifications: 50057,
  // gRPC health only; the partner API itself is HTTP (GATEWAY_HTTP_PORT, 8443).
  gateway: 50058,
  matching: 50059,
});

export function isServiceName(value: string): value is ServiceName {
  return (SERVICE_NAMES as readonly string[]).includes(value);
}

export function isReceivingService(value: string): value is ReceivingService {
  return (RECEIVING_SERVICES as readonly string[]).includes(value);
}

/** `KOPRU_COMMUNITY_CENTRE_ADDR` for `community-centre`. */
export function addressVariable(service: ServiceName): string {
  return `KOPRU_${service.toUpperCase().replaceAll("-", "_")}_ADDR`;
}

/** `host:port` of a service: `KOPRU_<SERVICE>_ADDR`, else 127.0.0.1 and its default port. */
export function serviceAddress(service: ServiceName, env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env[addressVariable(service)]?.trim();
  return fromEnv ? fromEnv : `127.0.0.1:${DEFAULT_PORTS[service]}`;
}

/** Splits `host:port` (IPv6 in brackets allowed); throws on anything else. */
export function splitAddress(address: string): { host: string; port: number } {
  const match = /^(\[[^\]]+\]|[^:]+):(\d{1,5})$/.exec(address.trim());
  const port = match ? Number(match[2]) : Number.NaN;
  if (!match || port < 0 || port > 65_535) {
    throw new RangeError(`"${address}" is not a host:port address`);
  }
  return { host: match[1] as string, port };
}

/**
 * Which service hosts an organisation, by the network's naming convention: `mmcc-*` are the MMCCs
 * (municipality), `cc-*` community centres, `protection-*` protection partners, `ecm-*` ECM units;
 * partner NGOs (`ngo-*`) refer through intake; `coordination` is the coordination service itself.
 */
export function serviceForOrganisation(organisationId: string): ServiceName | undefined {
  if (organisationId.startsWith("mmcc-")) return "municipality";
  if (organisationId.startsWith("cc-")) return "community-centre";
  if (organisationId.startsWith("protection-")) return "protection";
  if (organisationId.startsWith("ecm-")) return "ecm";
  if (organisationId.startsWith("ngo-")) return "intake";
  if (organisationId === "coordination") return "coordination";
  return undefined;
}
