import { status } from "@grpc/grpc-js";
import { registerErrorCode } from "@kopru/service-kit";
import type { ProtectionErrorCode } from "../../domain/index.js";

/** What each protection domain failure means on the wire; the one place it is decided. */
const STATUS: Readonly<Record<ProtectionErrorCode, status>> = {
  case_closed: status.FAILED_PRECONDITION,
  case_already_open: status.FAILED_PRECONDITION,
  referral_not_accepted: status.FAILED_PRECONDITION,
  case_team_change_forbidden: status.PERMISSION_DENIED,
};

export function registerProtectionErrorCodes(): void {
  for (const [code, grpcStatus] of Object.entries(STATUS)) registerErrorCode(code, grpcStatus);
}
