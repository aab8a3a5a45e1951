import {
  kopruCommonV1PriorityValues,
  kopruCommonV1ServiceTypeValues,
} from "@kopru/contracts/openapi/console-api";

// Enum value lists generated from the contracts (openapi-typescript's enum values: plain arrays,
// no gRPC code), so a service type added to proto/ reaches every choice in the console.

/** Every service type, in the contracts' order. */
export const SERVICE_TYPES = kopruCommonV1ServiceTypeValues;
/** Every priority, in the contracts' order. */
export const PRIORITIES = kopruCommonV1PriorityValues;
