import type {
  GetErasureRequestRequest,
  GetErasureRequestResponse,
  RequestErasureRequest,
  RequestErasureResponse,
} from "@kopru/contracts/intake/v1/intake_service";
import { ErasureNotSupportedError } from "../domain/errors.js";
import { ownBeneficiary } from "./load.js";
import type { Caller, IntakeDeps } from "./ports.js";

const NOT_SUPPORTED =
  "network-wide erasure is not supported in this release: the network has no erasure events yet " +
  "(BeneficiaryErasureRequested/Confirmed are not in the event layout), so holders could not be asked " +
  "to erase and confirm";

/**
 * Network-wide erasure needs every holder asked and confirming; the event layout has no subject for
 * that yet, so intake refuses honestly (FAILED_PRECONDITION) instead of erasing only its own copy and
 * reporting the erasure complete. The person is still checked first, so an unknown id is NOT_FOUND.
 */
export async function requestErasure(
  deps: IntakeDeps,
  caller: Caller,
  request: RequestErasureRequest,
): Promise<RequestErasureResponse> {
  await ownBeneficiary(deps, deps.db, request.beneficiaryId, caller.organisationId);
  throw new ErasureNotSupportedError(NOT_SUPPORTED);
}

export async function getErasureRequest(
  _deps: IntakeDeps,
  _caller: Caller,
  _request: GetErasureRequestRequest,
): Promise<GetErasureRequestResponse> {
  throw new ErasureNotSupportedError(NOT_SUPPORTED);
}
