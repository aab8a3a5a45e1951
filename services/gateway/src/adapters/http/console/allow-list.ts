import type { ServiceDefinition } from "@grpc/grpc-js";
import { AuditServiceService } from "@kopru/contracts/audit/v1/audit_service";
import { CommunityCentreServiceService } from "@kopru/contracts/communitycentre/v1/communitycentre_service";
import { CoordinationServiceService } from "@kopru/contracts/coordination/v1/coordination_service";
import { EcmServiceService } from "@kopru/contracts/ecm/v1/ecm_service";
import { IntakeServiceService } from "@kopru/contracts/intake/v1/intake_service";
import { MunicipalityServiceService } from "@kopru/contracts/municipality/v1/municipality_service";
import { NotificationServiceService } from "@kopru/contracts/notification/v1/notification_service";
import { ProtectionServiceService } from "@kopru/contracts/protection/v1/protection_service";
import { ReferralInboxServiceService } from "@kopru/contracts/referral/v1/inbox_service";
import type { InboxService } from "../../../config.js";

// The RPCs the staff console may call through the gateway: every method of these gRPC services and
// nothing else. The services decide what a staff member may do (roles, organisation, restricted
// sections); the gateway decides only which doors the console has.

/** How the console names a service in `/console/api/rpc/:service/:method`. */
export const CONSOLE_SERVICE_KEYS = [
  "intake",
  "inbox",
  "coordination",
  "notifications",
  "municipality",
  "ecm",
  "protection",
  "community-centre",
  "audit",
  "intake-audit",
] as const;
export type ConsoleServiceKey = (typeof CONSOLE_SERVICE_KEYS)[number];

export interface ConsoleService {
  /** The generated grpc-js definition (its methods' paths name the proto service). */
  definition: ServiceDefinition;
  /**
   * The service that answers: its address and token audience. `inbox` is the receiving service of
   * the caller's organisation; a casework service only answers staff of an organisation it serves.
   */
  target: "intake" | "coordination" | "notifications" | "inbox" | InboxService;
}

export const CONSOLE_SERVICES: Readonly<Record<ConsoleServiceKey, ConsoleService>> = {
  intake: { definition: IntakeServiceService, target: "intake" },
  inbox: { definition: ReferralInboxServiceService, target: "inbox" },
  coordination: { definition: CoordinationServiceService, target: "coordination" },
  notifications: { definition: NotificationServiceService, target: "notifications" },
  municipality: { definition: MunicipalityServiceService, target: "municipality" },
  ecm: { definition: EcmServiceService, target: "ecm" },
  protection: { definition: ProtectionServiceService, target: "protection" },
  "community-centre": { definition: CommunityCentreServiceService, target: "community-centre" },
  // The organisation's own audit (ADR 0025): its receiving service's, and intake's.
  audit: { definition: AuditServiceService, target: "inbox" },
  "intake-audit": { definition: AuditServiceService, target: "intake" },
};

/** The proto full name of a definition's service (`kopru.referral.v1.ReferralInboxService`). */
export function protoServiceName(definition: ServiceDefinition): string {
  const first = Object.values(definition)[0];
  const match = first ? /^\/([^/]+)\//.exec(first.path) : null;
  if (!match?.[1]) throw new Error("a service definition without methods");
  return match[1];
}

export function isConsoleServiceKey(key: string): key is ConsoleServiceKey {
  return (CONSOLE_SERVICE_KEYS as readonly string[]).includes(key);
}
