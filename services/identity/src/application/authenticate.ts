import type { Database } from "@kopru/storage";
import { dummyHash, verifyPassword } from "../adapters/persistence/passwords.js";
import { findUserByUsernameForUpdate, saveLockoutState } from "../adapters/persistence/users.js";
import { afterFailure, isLocked } from "../domain/lockout.js";

export type AuthenticationResult =
  | { ok: true; userId: string }
  /** One outcome for unknown user, wrong password and locked account: the form says the same. */
  | { ok: false; reason: "invalid" | "locked" | "inactive" };

/**
 * Checks a staff login. A locked account refuses even the right password, so guessing cannot
 * continue during the lockout; the reason is for the log, never for the person at the form.
 */
export async function authenticate(
  db: Database,
  username: string,
  password: string,
  now = new Date(),
): Promise<AuthenticationResult> {
  return db.transaction(async (tx) => {
    const user = await findUserByUsernameForUpdate(tx, username);
    if (!user) {
      await verifyPassword(await dummyHash(), password);
      return { ok: false, reason: "invalid" };
    }
    const matches = await verifyPassword(user.passwordHash, password);
    if (isLocked(user, now)) return { ok: false, reason: "locked" };
    // Checked after the password, like the lockout: the form cannot tell a deactivated account apart.
    if (!user.active) return { ok: false, reason: "inactive" };
    if (!matches) {
      await saveLockoutState(tx, user.id, afterFailure(user, now));
      return { ok: false, reason: "invalid" };
    }
    if (user.failedAttempts > 0 || user.lockedUntil !== null) {
      await saveLockoutState(tx, user.id, { failedAttempts: 0, lockedUntil: null });
    }
    return { ok: true, userId: user.id };
  });
}
