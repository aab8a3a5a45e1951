import type {
  ServerUnaryCall,
  ServiceError,
  sendUnaryData,
  UntypedServiceImplementation,
} from "@grpc/grpc-js";
import type { GrpcServiceBinding } from "@kopru/service-kit";

/** Intake is at capacity: answered UNAVAILABLE (the catalogue's generic `unavailable`), nothing done. */
export class IntakeAtCapacityError extends Error {
  override readonly name = "IntakeAtCapacityError";
  readonly code = "unavailable";
  constructor(readonly max: number) {
    super(`intake is at capacity (${max} calls in flight); retry later`);
  }
}

/**
 * Sheds load at the edge: past `max` calls of the binding in flight, a new call is answered
 * UNAVAILABLE at once, before its handler opens a transaction, so callers can back off instead of
 * waiting for a connection that will not come free in time.
 */
export function limitCallsInFlight(binding: GrpcServiceBinding, max: number): GrpcServiceBinding {
  if (!Number.isInteger(max) || max < 1) {
    throw new RangeError(`limitCallsInFlight: max must be a positive integer, got ${max}`);
  }
  let inFlight = 0;
  const implementation: UntypedServiceImplementation = {};
  for (const [method, handle] of Object.entries(binding.implementation)) {
    const unaryHandle = handle as (
      call: ServerUnaryCall<unknown, unknown>,
      callback: sendUnaryData<unknown>,
    ) => void;
    implementation[method] = ((call: ServerUnaryCall<unknown, unknown>, callback: sendUnaryData<unknown>) => {
      if (inFlight >= max) {
        callback(new IntakeAtCapacityError(max) as unknown as ServiceError);
        return;
      }
      inFlight += 1;
      let finished = false;
      const finish: sendUnaryData<unknown> = (error, response) => {
        if (!finished) {
          finished = true;
          inFlight -= 1;
        }
        callback(error, response);
      };
      try {
        unaryHandle(call, finish);
      } catch (error) {
        finish(error as ServiceError);
      }
    }) as typeof handle;
  }
  return { ...binding, implementation };
}
