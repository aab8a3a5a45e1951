import type { ChannelCredentials } from "@grpc/grpc-js";
import type { KeyedHash, MatchLink, PossibleMatch } from "@kopru/contracts/matching/v1/matching";
import { MatchingServiceClient } from "@kopru/contracts/matching/v1/matching_service";
import { authorizationMetadata, callUnary, serviceAudience, type UnaryMethod } from "@kopru/service-kit";
import type { MatchingClient } from "../../application/matching.js";

const AUDIENCE = serviceAudience("matching");

/**
 * The matching service over gRPC, called with intake's own service token: intake registers records
 * for the organisations it serves and names the organisation in each request (the matching service
 * accepts that from its registrar clients only). A short deadline: a slow answer is retried later.
 */
export function grpcMatchingClient(options: {
  address: string;
  credentials: ChannelCredentials;
  tokens: (audience: string) => Promise<string>;
  timeoutMs?: number;
}): MatchingClient & { close(): void } {
  const client = new MatchingServiceClient(options.address, options.credentials);
  const call = async <Req, Res>(method: UnaryMethod<Req, Res>, request: Req): Promise<Res> =>
    callUnary(
      client,
      method,
      request,
      authorizationMetadata(await options.tokens(AUDIENCE)),
      options.timeoutMs ?? 5_000,
    );
  return {
    async register(organisationId: string, recordRef: string, hashes: KeyedHash[]): Promise<PossibleMatch[]> {
      const response = await call(client.registerRecord, { organisationId, recordRef, hashes });
      return response.possibleMatches;
    },
    async find(organisationId: string, recordRef: string): Promise<PossibleMatch[]> {
      return (await call(client.findMatches, { organisationId, recordRef })).possibleMatches;
    },
    async remove(organisationId: string, recordRef: string): Promise<void> {
      await call(client.removeRecord, { organisationId, recordRef });
    },
    async link(organisationId: string, matchId: string, consentId: string): Promise<MatchLink | undefined> {
      return (await call(client.linkMatch, { organisationId, matchId, consentId })).link;
    },
    close: () => client.close(),
  };
}
