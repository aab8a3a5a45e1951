import type { Sql } from "@kopru/storage";
import {
  findUserById,
  listUsersOfOrganisation,
  organisationExists,
  type StaffUser,
} from "../adapters/persistence/users.js";

/**
 * One staff member as the staff directory gives it to services: who they are, what they may do and
 * where they are told things. Never the password hash or the lockout state.
 */
export interface StaffMember {
  /** The token subject of their logins (the actor id every service records). */
  id: string;
  organisationId: string;
  username: string;
  displayName: string;
  roles: string[];
  email: string | null;
  active: boolean;
}

function member(user: StaffUser): StaffMember {
  return {
    id: user.id,
    organisationId: user.organisationId,
    username: user.username,
    displayName: user.displayName,
    roles: [...user.roles],
    email: user.email,
    active: user.active,
  };
}

/**
 * The staff of one organisation (deactivated accounts included, marked), optionally only those
 * holding `role`; `undefined` when the organisation is not known here.
 */
export async function listStaff(
  sql: Sql,
  organisationId: string,
  options: { role?: string | undefined } = {},
): Promise<StaffMember[] | undefined> {
  if (!(await organisationExists(sql, organisationId))) return undefined;
  return (await listUsersOfOrganisation(sql, organisationId, options.role)).map(member);
}

/** One staff member of one organisation; `undefined` when there is none by that id there. */
export async function findStaffMember(
  sql: Sql,
  organisationId: string,
  staffId: string,
): Promise<StaffMember | undefined> {
  const found = await findUserById(sql, staffId);
  // Another organisation's member is answered as if there were none.
  return found?.organisationId === organisationId ? member(found) : undefined;
}
