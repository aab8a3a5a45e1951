import { status } from "@grpc/grpc-js";
import { registerErrorCode } from "@kopru/service-kit";
import type { EcmErrorCode } from "../../domain/index.js";

/** What each ECM domain failure means on the wire; the one place it is decided. */
const STATUS: Readonly<Record<EcmErrorCode, status>> = {
  case_closed: status.FAILED_PRECONDITION,
  case_already_open: status.FAILED_PRECONDITION,
  case_has_pending_assistance: status.FAILED_PRECONDITION,
  referral_not_accepted: status.FAILED_PRECONDITION,
  assistance_status: status.FAILED_PRECONDITION,
  assistance_amount_not_allowed: status.FAILED_PRECONDITION,
  approval_forbidden: status.PERMISSION_DENIED,
};

export function registerEcmErrorCodes(): void {
  for (const [code, grpcStatus] of Object.entries(STATUS)) registerErrorCode(code, grpcStatus);
}
