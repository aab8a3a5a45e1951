import { type CallContext, InvalidArgumentError, PermissionDeniedError, validate } from "@kopru/service-kit";

/**
 * Whose records a call acts on. Staff and partner systems (directly, or relayed by a service) act for
 * their token's organisation; a request naming another is refused. A service acting by itself has no
 * organisation in its token (ADR 0012), so only a registrar service — one that holds records for the
 * organisations it serves, like intake — may act, for the organisation it names. A name no
 * organisation can have (over-long, SQL, markup) is a bad request naming the field, whoever sends it,
 * before any question of whose records these are; a registrar's would be stored as a record's owner.
 */
export function actingOrganisation(
  context: Pick<CallContext, "kind" | "organisationId" | "clientId">,
  requested: string,
  registrarClients: readonly string[],
): string {
  if (requested) validate().organisationId(requested, "organisation_id").done();
  if (context.kind === "service") {
    if (!registrarClients.includes(context.clientId))
      throw new PermissionDeniedError("this service does not register records for organisations");
    if (!requested)
      throw new InvalidArgumentError([
        { field: "organisation_id", description: "required: name the organisation the record is held for" },
      ]);
    return requested;
  }
  const own = context.organisationId;
  if (!own) throw new PermissionDeniedError("the caller's token names no organisation");
  if (requested && requested !== own)
    throw new PermissionDeniedError("organisation_id must be the caller's organisation");
  return own;
}
