import { InvalidArgumentError } from "@kopru/service-kit";

/** An idempotency key (request_id) sent again with a different request: refused, never re-applied. */
export function reusedKey(): InvalidArgumentError {
  return new InvalidArgumentError([
    { field: "request_id", description: "was already used for a different request; use a new one" },
  ]);
}
