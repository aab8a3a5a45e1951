import type { Logger } from "@kopru/observability";
import type { VerifiedIdentity } from "@kopru/service-kit";
import type { Database } from "@kopru/storage";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { findStaffMember, listStaff } from "../../application/staff-directory.js";
import { STAFF_ROLES } from "../../domain/token-claims.js";

export interface StaffDirectoryRoutesOptions {
  db: Database;
  logger: Logger;
  /** Verifies a bearer access token for this service's own audience (`urn:kopru:identity`). */
  verify(token: string): Promise<VerifiedIdentity>;
}

/** Where the staff directory is served, under the issuer URL. */
export const STAFF_DIRECTORY_PATH = "/staff-directory/organisations";

const SLUG = /^[a-z0-9][a-z0-9-]{1,62}$/;

/**
 * The staff directory, for Köprü's services only (a client-credentials token of kind `service` for
 * the audience `urn:kopru:identity`): who works at an organisation, with roles, work email and
 * whether the account is active — what the notification service needs to address role notices and
 * emails, and what a colleague check on assignment needs. Staff and partner systems are refused:
 * the directory is not a way for one organisation to list another's people.
 *
 * Errors follow RFC 6750: 401 with `WWW-Authenticate: Bearer error="invalid_token"`, 403
 * `insufficient_scope` for a token that is not a service's.
 */
export async function staffDirectoryRoutes(app: FastifyInstance, options: StaffDirectoryRoutesOptions) {
  const { db, logger } = options;

  async function authorise(
    request: FastifyRequest,
    reply: FastifyReply,
  ): Promise<VerifiedIdentity | undefined> {
    const match = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/.exec(request.headers.authorization ?? "");
    let identity: VerifiedIdentity;
    try {
      if (!match?.[1]) throw new Error("an access token is required (Authorization: Bearer …)");
      identity = await options.verify(match[1]);
    } catch (error) {
      const description = error instanceof Error ? error.message : "the access token is not accepted";
      reply
        .code(401)
        // The description only in the body: a header value must be plain ASCII.
        .header("www-authenticate", 'Bearer error="invalid_token"')
        .header("cache-control", "no-store")
        .send({ error: "invalid_token", error_description: description });
      return undefined;
    }
    if (identity.kind !== "service") {
      logger.info(
        { event: "staff_directory_refused", kind: identity.kind, client: identity.clientId },
        "staff directory refused a caller that is not a service",
      );
      reply
        .code(403)
        .header("www-authenticate", 'Bearer error="insufficient_scope"')
        .header("cache-control", "no-store")
        .send({
          error: "insufficient_scope",
          error_description: "the staff directory is for Köprü's services only",
        });
      return undefined;
    }
    return identity;
  }

  function badRequest(reply: FastifyReply, description: string) {
    return reply
      .code(400)
      .header("cache-control", "no-store")
      .send({ error: "invalid_request", error_description: description });
  }

  app.get<{ Params: { organisationId: string }; Querystring: { role?: string } }>(
    `${STAFF_DIRECTORY_PATH}/:organisationId/staff`,
    async (request, reply) => {
      const caller = await authorise(request, reply);
      if (!caller) return reply;
      const { organisationId } = request.params;
      const role = request.query.role;
      if (!SLUG.test(organisationId)) return badRequest(reply, "organisationId must be an organisation slug");
      if (role !== undefined && !(STAFF_ROLES as readonly string[]).includes(role))
        return badRequest(reply, `role must be one of ${STAFF_ROLES.join(", ")}`);
      const staff = await listStaff(db, organisationId, { role });
      logger.debug(
        {
          event: "staff_directory_listed",
          service: caller.service,
          organisationId,
          count: staff?.length ?? 0,
        },
        "staff directory listed",
      );
      if (!staff)
        return reply
          .code(404)
          .header("cache-control", "no-store")
          .send({ error: "not_found", error_description: "no such organisation" });
      return reply.header("cache-control", "no-store").send({ organisationId, staff });
    },
  );

  app.get<{ Params: { organisationId: string; staffId: string } }>(
    `${STAFF_DIRECTORY_PATH}/:organisationId/staff/:staffId`,
    async (request, reply) => {
      const caller = await authorise(request, reply);
      if (!caller) return reply;
      const { organisationId, staffId } = request.params;
      if (!SLUG.test(organisationId)) return badRequest(reply, "organisationId must be an organisation slug");
      const found = await findStaffMember(db, organisationId, staffId);
      if (!found)
        return reply
          .code(404)
          .header("cache-control", "no-store")
          .send({ error: "not_found", error_description: "no such staff member at this organisation" });
      return reply.header("cache-control", "no-store").send(found);
    },
  );
}
