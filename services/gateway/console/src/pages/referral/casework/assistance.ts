import type { components } from "@kopru/contracts/openapi/console-api";

// What an ECM assistance item allows, from its lifecycle (PLANNED → APPROVED → DELIVERED, or
// CANCELLED before delivery) and who is looking: approval needs the ecm-approver role and four eyes
// (the planner never approves their own item). The service enforces the same rules; the console
// only offers what would succeed.

export type AssistanceItem = components["schemas"]["kopru.ecm.v1.AssistanceItem"];
export type AssistanceStatus = components["schemas"]["kopru.ecm.v1.AssistanceStatus"];

export type AssistanceAction = "approve" | "deliver" | "cancel";

export interface Viewer {
  staffId: string;
  approvesEcm: boolean;
}

/** Why approval is not offered, when the status would allow it. */
export type ApprovalBlock = "notApprover" | "ownItem" | undefined;

export function approvalBlock(item: AssistanceItem, viewer: Viewer): ApprovalBlock {
  if (item.status !== "ASSISTANCE_STATUS_PLANNED") return undefined;
  if (!viewer.approvesEcm) return "notApprover";
  if (item.plannedBy?.actorId && item.plannedBy.actorId === viewer.staffId) return "ownItem";
  return undefined;
}

/** The actions a viewer can take on an item now, in the order they are offered. */
export function assistanceActions(
  item: AssistanceItem,
  viewer: Viewer,
  caseOpen: boolean,
): AssistanceAction[] {
  if (!caseOpen) return [];
  switch (item.status) {
    case "ASSISTANCE_STATUS_PLANNED":
      return approvalBlock(item, viewer) === undefined ? ["approve", "cancel"] : ["cancel"];
    case "ASSISTANCE_STATUS_APPROVED":
      return ["deliver", "cancel"];
    default:
      return [];
  }
}

/** Items that still hold a case open (the service refuses to close it while any remains). */
export function pendingItems(items: readonly AssistanceItem[]): AssistanceItem[] {
  return items.filter(
    (item) => item.status === "ASSISTANCE_STATUS_PLANNED" || item.status === "ASSISTANCE_STATUS_APPROVED",
  );
}

/** Only cash is paid through a channel; every other kind takes none. */
export function needsPaymentChannel(kind: string | undefined): boolean {
  return kind === "ASSISTANCE_KIND_CASH";
}
