import type { Database } from "@kopru/storage";
import type { Adapter, AdapterPayload } from "oidc-provider";
import { clientMetadata, findClient } from "./clients.js";

// Models tied to a grant: revoking the grant (logout, refresh token reuse) removes them all.
const GRANTABLE = new Set([
  "AccessToken",
  "AuthorizationCode",
  "RefreshToken",
  "DeviceCode",
  "BackchannelAuthenticationRequest",
]);

interface ModelRow {
  payload: AdapterPayload;
  consumed_at: Date | string | null;
}

/**
 * oidc-provider's storage in the service's own database, so sessions, grants and device codes
 * survive a restart, a second instance and the provider being rebuilt on a key rotation. Clients are
 * not stored here: the `Client` model reads the provisioned `oauth_clients` table.
 */
export class PostgresAdapter implements Adapter {
  constructor(
    private readonly db: Database,
    private readonly model: string,
  ) {}

  async upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void> {
    const expiresAt = expiresIn ? new Date(Date.now() + expiresIn * 1000) : null;
    const grantId = GRANTABLE.has(this.model) ? (payload.grantId ?? null) : null;
    await this.db.query(
      `INSERT INTO oidc_models (model, id, payload, expires_at, grant_id, user_code, uid)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (model, id) DO UPDATE SET payload = EXCLUDED.payload, expires_at = EXCLUDED.expires_at,
         grant_id = EXCLUDED.grant_id, user_code = EXCLUDED.user_code, uid = EXCLUDED.uid`,
      [
        this.model,
        id,
        JSON.stringify(payload),
        expiresAt,
        grantId,
        payload.userCode ?? null,
        payload.uid ?? null,
      ],
    );
  }

  async find(id: string): Promise<AdapterPayload | undefined> {
    if (this.model === "Client") {
      const client = await findClient(this.db, id);
      return client && (clientMetadata(client) as AdapterPayload);
    }
    return this.findWhere("id = $2", id);
  }

  findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
    return this.findWhere("user_code = $2", userCode);
  }

  findByUid(uid: string): Promise<AdapterPayload | undefined> {
    return this.findWhere("uid = $2", uid);
  }

  async consume(id: string): Promise<void> {
    await this.db.query("UPDATE oidc_models SET consumed_at = now() WHERE model = $1 AND id = $2", [
      this.model,
      id,
    ]);
  }

  async destroy(id: string): Promise<void> {
    await this.db.query("DELETE FROM oidc_models WHERE model = $1 AND id = $2", [this.model, id]);
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    await this.db.query("DELETE FROM oidc_models WHERE grant_id = $1", [grantId]);
  }

  private async findWhere(condition: string, value: string): Promise<AdapterPayload | undefined> {
    const { rows } = await this.db.query<ModelRow>(
      `SELECT payload, consumed_at FROM oidc_models
        WHERE model = $1 AND ${condition} AND (expires_at IS NULL OR expires_at > now())`,
      [this.model, value],
    );
    const row = rows[0];
    if (!row) return undefined;
    if (row.consumed_at === null) return row.payload;
    return { ...row.payload, consumed: Math.floor(new Date(row.consumed_at).getTime() / 1000) };
  }
}

/** Removes expired provider state; run now and then (the service does it hourly). */
export async function deleteExpiredModels(db: Database): Promise<number> {
  const { rowCount } = await db.query("DELETE FROM oidc_models WHERE expires_at <= now()");
  return rowCount;
}
