/** Consecutive wrong passwords that lock an account. */
export const MAX_FAILED_ATTEMPTS = 5;
/** How long a locked account refuses every password, the right one included. */
export const LOCKOUT_MS = 15 * 60_000;

export interface LockoutState {
  failedAttempts: number;
  lockedUntil: Date | null;
}

export function isLocked(state: LockoutState, now: Date): boolean {
  return state.lockedUntil !== null && state.lockedUntil.getTime() > now.getTime();
}

/** The state after a wrong password: the fifth in a row locks and starts the count again. */
export function afterFailure(state: LockoutState, now: Date): LockoutState {
  const failedAttempts = state.failedAttempts + 1;
  if (failedAttempts >= MAX_FAILED_ATTEMPTS) {
    return { failedAttempts: 0, lockedUntil: new Date(now.getTime() + LOCKOUT_MS) };
  }
  return { failedAttempts, lockedUntil: state.lockedUntil };
}
