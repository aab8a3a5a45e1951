import { PARTNER_API_SCOPES } from "@kopru/identity-client";
import type { Database, Sql } from "@kopru/storage";
import { z } from "zod";
import { hashPassword, verifyPassword } from "../adapters/persistence/passwords.js";
import { InvalidProvisioningSpecError } from "../domain/errors.js";
import { STAFF_ROLES } from "../domain/token-claims.js";

const slug = z.string().regex(/^[a-z0-9][a-z0-9-]{1,62}$/, "expected a lowercase slug");

const publicJwks = z.object({
  keys: z
    .array(z.record(z.string(), z.unknown()))
    .min(1)
    .refine((keys) => keys.every((key) => !("d" in key) && !("k" in key)), "public keys only (no d or k)"),
});

const common = {
  clientId: z.string().min(3).max(200),
};

const secretAuth = z.object({
  authMethod: z.enum(["client_secret_basic", "client_secret_post"]).default("client_secret_basic"),
  clientSecret: z.string().min(32, "a client secret of at least 32 characters"),
});
const keyAuth = z.object({ authMethod: z.literal("private_key_jwt"), jwks: publicJwks });
const machineAuth = z.union([keyAuth, secretAuth]);

const clientSpec = z.union([
  z
    .object({
      ...common,
      kind: z.literal("partner-system"),
      organisationId: slug,
      /** The partner API scopes this system may ask for; default all of them. */
      scopes: z.array(z.enum(PARTNER_API_SCOPES)).optional(),
    })
    .and(machineAuth),
  z.object({ ...common, kind: z.literal("service"), serviceName: slug }).and(machineAuth),
  z.object({
    ...common,
    kind: z.literal("first-party"),
    /** Loopback (CLI) or the console's own callback URLs. */
    redirectUris: z.array(z.url()).default([]),
    /** Device flow as well as the browser login (the CLI on a machine without a browser). */
    deviceFlow: z.boolean().default(true),
  }),
]);

/** What the launcher, the e2e harness or an operator's JSON file provisions. Secrets come from them. */
export const provisioningSpec = z.object({
  organisations: z.array(z.object({ id: slug, name: z.string().min(1) })).default([]),
  users: z
    .array(
      z.object({
        id: z.string().min(1).max(200),
        organisationId: slug,
        username: z.string().min(1).max(200),
        displayName: z.string().min(1),
        password: z.string().min(12, "a password of at least 12 characters"),
        roles: z.array(z.enum(STAFF_ROLES)).default([]),
        /** Work email for notices (the staff directory gives it to services); none: no email. */
        email: z.email().max(320).optional(),
        /** `false` deactivates the account: no login, no refresh, no notices. */
        active: z.boolean().default(true),
      }),
    )
    .default([]),
  clients: z.array(clientSpec).default([]),
});

export type ProvisioningSpec = z.input<typeof provisioningSpec>;

export interface ProvisioningResult {
  organisations: number;
  users: number;
  clients: number;
}

/**
 * Creates or updates organisations, staff users and OAuth clients so the database matches the spec
 * (idempotent: a second run changes nothing; a password is re-hashed only when it changed, and a
 * changed password clears a lockout). Nothing not named in the spec is removed.
 */
export async function provisionIdentities(
  db: Database,
  input: ProvisioningSpec,
): Promise<ProvisioningResult> {
  const parsed = provisioningSpec.safeParse(input);
  if (!parsed.success) {
    throw new InvalidProvisioningSpecError(
      `invalid provisioning spec: ${parsed.error.issues
        .map((issue) => `${issue.path.join(".")}: ${issue.message}`)
        .join("; ")}`,
      { cause: parsed.error },
    );
  }
  const spec = parsed.data;
  // Hash outside the transaction: argon2 is slow on purpose, and the lock need not wait for it.
  const hashes = new Map<string, string>();
  for (const user of spec.users) {
    const existing = await db.query<{ password_hash: string }>(
      "SELECT password_hash FROM staff_users WHERE id = $1",
      [user.id],
    );
    const current = existing.rows[0]?.password_hash;
    if (current && (await verifyPassword(current, user.password))) continue;
    hashes.set(user.id, await hashPassword(user.password));
  }
  await db.transaction(async (tx) => {
    for (const organisation of spec.organisations) {
      await tx.query(
        `INSERT INTO organisations (id, name) VALUES ($1, $2)
         ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name`,
        [organisation.id, organisation.name],
      );
    }
    for (const user of spec.users) {
      await upsertUser(tx, user, hashes.get(user.id));
    }
    for (const client of spec.clients) {
      await upsertClient(tx, client);
    }
  });
  return { organisations: spec.organisations.length, users: spec.users.length, clients: spec.clients.length };
}

type UserSpec = z.output<typeof provisioningSpec>["users"][number];
type ClientSpec = z.output<typeof clientSpec>;

async function upsertUser(tx: Sql, user: UserSpec, newHash: string | undefined): Promise<void> {
  const { rowCount } = await tx.query(
    `UPDATE staff_users SET organisation_id = $2, username = $3, display_name = $4, roles = $5,
            email = $7, active = $8,
            password_hash = COALESCE($6, password_hash),
            failed_attempts = CASE WHEN $6::text IS NULL THEN failed_attempts ELSE 0 END,
            locked_until = CASE WHEN $6::text IS NULL THEN locked_until ELSE NULL END,
            updated_at = now()
      WHERE id = $1`,
    [
      user.id,
      user.organisationId,
      user.username,
      user.displayName,
      user.roles,
      newHash ?? null,
      user.email ?? null,
      user.active,
    ],
  );
  if (rowCount > 0) return;
  if (!newHash) throw new InvalidProvisioningSpecError(`user ${user.id}: no password hash`);
  await tx.query(
    `INSERT INTO staff_users (id, organisation_id, username, display_name, password_hash, roles, email, active)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [
      user.id,
      user.organisationId,
      user.username,
      user.displayName,
      newHash,
      user.roles,
      user.email ?? null,
      user.active,
    ],
  );
}

function clientRow(client: ClientSpec) {
  if (client.kind === "first-party") {
    return {
      organisationId: null,
      serviceName: null,
      authMethod: "none",
      secret: null,
      jwks: null,
      scopes: [],
      grantTypes: ["authorization_code", "refresh_token", ...(client.deviceFlow ? [DEVICE_CODE] : [])],
      redirectUris: client.redirectUris,
    };
  }
  const auth =
    client.authMethod === "private_key_jwt"
      ? { authMethod: client.authMethod, secret: null, jwks: client.jwks }
      : { authMethod: client.authMethod, secret: client.clientSecret, jwks: null };
  return {
    organisationId: client.kind === "partner-system" ? client.organisationId : null,
    serviceName: client.kind === "service" ? client.serviceName : null,
    scopes: client.kind === "partner-system" ? [...(client.scopes ?? PARTNER_API_SCOPES)] : [],
    ...auth,
    grantTypes: ["client_credentials"],
    redirectUris: [],
  };
}

const DEVICE_CODE = "urn:ietf:params:oauth:grant-type:device_code";

async function upsertClient(tx: Sql, client: ClientSpec): Promise<void> {
  const row = clientRow(client);
  await tx.query(
    `INSERT INTO oauth_clients (client_id, organisation_id, kind, service_name, auth_method, client_secret, jwks,
                                grant_types, redirect_uris, scopes)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
     ON CONFLICT (client_id) DO UPDATE SET organisation_id = EXCLUDED.organisation_id, kind = EXCLUDED.kind,
       service_name = EXCLUDED.service_name, auth_method = EXCLUDED.auth_method,
       client_secret = EXCLUDED.client_secret, jwks = EXCLUDED.jwks, grant_types = EXCLUDED.grant_types,
       redirect_uris = EXCLUDED.redirect_uris, scopes = EXCLUDED.scopes, updated_at = now()`,
    [
      client.clientId,
      row.organisationId,
      client.kind,
      row.serviceName,
      row.authMethod,
      row.secret,
      row.jwks === null ? null : JSON.stringify(row.jwks),
      row.grantTypes,
      row.redirectUris,
      row.scopes,
    ],
  );
}
