import { StaffDirectoryError } from "./errors.js";
import { type IssuerOptions, makeFetch } from "./http.js";
import type { TokenSource } from "./token-source.js";

/** The audience of the identity service's own API; a service's client-credentials token for it. */
export const IDENTITY_AUDIENCE = "urn:kopru:identity";

/** One staff member as the identity service's staff directory gives it to services. */
export interface StaffMember {
  /** The token subject of their logins: the actor id services record and notices address. */
  id: string;
  organisationId: string;
  username: string;
  displayName: string;
  roles: string[];
  /** Work email for notices; `null` when none was provisioned. */
  email: string | null;
  /** A deactivated account cannot log in; do not assign work to it or notify it. */
  active: boolean;
}

export interface StaffDirectoryOptions extends IssuerOptions {
  /** The calling service's own tokens (client credentials); asked for `urn:kopru:identity`. */
  tokens: TokenSource;
  /**
   * Keep an organisation's answer this long (ms) before asking again; default 0 (always ask). A
   * notifier addressing many notices to the same roles can afford a short cache; an assignment's
   * colleague check wants the current answer.
   */
  cacheMs?: number;
  /** Per request; default 10 s. */
  timeoutMs?: number;
  /** Milliseconds since the epoch, for the cache; default `Date.now`. */
  now?: () => number;
}

/**
 * The identity service's staff directory, for Köprü's services (service tokens only): an
 * organisation's staff with roles, work email and whether the account is active. The issuer URL
 * is the identity service's.
 *
 * ```ts
 * const directory = new StaffDirectory({ issuer, tokens: clientCredentials({ issuer, clientId, clientSecret }) });
 * const supervisors = await directory.list("ngo-hayat", { role: "supervisor" });
 * const colleague = await directory.find("ngo-hayat", actorId); // undefined: not staff there
 * ```
 */
export class StaffDirectory {
  readonly #options: StaffDirectoryOptions;
  readonly #fetch: ReturnType<typeof makeFetch>;
  readonly #cache = new Map<string, { at: number; staff: StaffMember[] }>();

  constructor(options: StaffDirectoryOptions) {
    this.#options = options;
    this.#fetch = makeFetch(options.ca);
  }

  /**
   * Every staff member of the organisation (active or not), optionally only those holding `role`.
   * An organisation the identity service does not know is a `StaffDirectoryError` with status 404.
   */
  async list(organisationId: string, options: { role?: string } = {}): Promise<StaffMember[]> {
    const all = await this.#organisation(organisationId);
    return options.role ? all.filter((member) => member.roles.includes(options.role as string)) : all;
  }

  /**
   * The staff member with this id at this organisation, or `undefined` when there is none there
   * (unknown, or of another organisation) — the colleague check. Deactivated members are returned,
   * with `active: false`.
   */
  async find(organisationId: string, staffId: string): Promise<StaffMember | undefined> {
    // A cached list answers only for those on it: someone provisioned since it was taken is asked
    // for, or a new colleague would look unknown (no email on file) until the cache expires.
    const cached = this.#cached(organisationId)?.find((member) => member.id === staffId);
    if (cached) return cached;
    const response = await this.#get(
      `${encodeURIComponent(organisationId)}/staff/${encodeURIComponent(staffId)}`,
      [404],
    );
    return response === undefined ? undefined : (response as StaffMember);
  }

  #cached(organisationId: string): StaffMember[] | undefined {
    const cacheMs = this.#options.cacheMs ?? 0;
    const hit = this.#cache.get(organisationId);
    const now = (this.#options.now ?? Date.now)();
    return hit && cacheMs > 0 && now - hit.at < cacheMs ? hit.staff : undefined;
  }

  async #organisation(organisationId: string): Promise<StaffMember[]> {
    const hit = this.#cached(organisationId);
    if (hit) return hit;
    const body = (await this.#get(`${encodeURIComponent(organisationId)}/staff`, [])) as {
      staff: StaffMember[];
    };
    if ((this.#options.cacheMs ?? 0) > 0) {
      this.#cache.set(organisationId, { at: (this.#options.now ?? Date.now)(), staff: body.staff });
    }
    return body.staff;
  }

  /** GET under the directory; `undefined` for a status in `absent`. */
  async #get(path: string, absent: number[]): Promise<unknown> {
    const base = this.#options.issuer.replace(/\/$/, "");
    const url = `${base}/staff-directory/organisations/${path}`;
    const token = await this.#options.tokens.token(IDENTITY_AUDIENCE);
    let response: Response;
    try {
      response = await this.#fetch(url, {
        headers: { authorization: `Bearer ${token}`, accept: "application/json" },
        signal: AbortSignal.timeout(this.#options.timeoutMs ?? 10_000),
      });
    } catch (error) {
      throw new StaffDirectoryError(
        `the staff directory at ${base} cannot be reached`,
        undefined,
        undefined,
        {
          cause: error,
        },
      );
    }
    if (absent.includes(response.status)) return undefined;
    if (!response.ok) {
      const body = (await response.json().catch(() => ({}))) as {
        error?: string;
        error_description?: string;
      };
      throw new StaffDirectoryError(
        `the staff directory answered ${response.status}${body.error_description ? `: ${body.error_description}` : ""}`,
        response.status,
        body.error,
      );
    }
    return response.json();
  }
}
