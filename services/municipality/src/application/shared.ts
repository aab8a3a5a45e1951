import { actorOf as actorOfCaller, InvalidArgumentError } from "@kopru/service-kit";
import type { RuleViolation } from "../domain/index.js";
import type { ActorRef, Caller } from "./ports.js";

export function refuseViolations(violations: readonly RuleViolation[]): void {
  if (violations.length > 0) throw new InvalidArgumentError(violations);
}

export function actorOf(caller: Caller): ActorRef {
  const { kind, actorId, role } = actorOfCaller(caller);
  return { kind, actorId, role };
}
