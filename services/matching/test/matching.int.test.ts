import { status } from "@grpc/grpc-js";
import type { KeyedHash } from "@kopru/contracts/matching/v1/matching";
import { MatchStrength } from "@kopru/contracts/matching/v1/matching";
import { contractKindOf, keyedHashes, type PersonIdentifiers } from "@kopru/matching-keys";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Engine, failureOf, type Harness, startMatching } from "./harness.js";

// The network secret the partners hold; the matching service never sees it.
const SECRET = new Uint8Array(Buffer.from("synthetic-network-matching-secret-for-tests-only!!"));

// Canary identifiers: if any of these reaches the matching database, a column holds personal data.
const CANARY_GIVEN = "Zümrüdüanka";
const CANARY_FAMILY = "Kanaryaoğlu";
const CANARY_PHONE = "+905329876543";
const CANARY_DOCUMENT = "99887766554";
const atA: PersonIdentifiers = {
  givenName: CANARY_GIVEN,
  familyName: CANARY_FAMILY,
  birthYear: 1987,
  phoneNumber: "0532 987 65 43",
  documentNumber: CANARY_DOCUMENT,
};
// The same person as org B recorded her: names swapped, ASCII-folded, a local phone, no document.
const atB: PersonIdentifiers = {
  givenName: "Kanaryaoglu",
  familyName: "Zumruduanka",
  birthYear: 1987,
  phoneNumber: "+90 532 987 6543",
};
const someoneElse: PersonIdentifiers = { givenName: "Fatma", familyName: "Demir", birthYear: 1960 };

const hashesOf = (person: PersonIdentifiers): KeyedHash[] =>
  keyedHashes(person, SECRET).map((h) => ({ kind: contractKindOf(h.kind), hash: h.hash }));

describe.each<Engine>(["postgres", "pglite"])("the matching service on %s", (engine) => {
  let h: Harness;
  const A = { organisationId: "ngo-a" };
  const B = { organisationId: "ngo-b" };
  const C = { organisationId: "ngo-c" };
  const refA = "a-record-7f3c";
  const refB = "b-record-19d2";

  // PGlite compiles PostgreSQL in WebAssembly at start: on a busy machine that alone takes a minute.
  beforeAll(async () => {
    h = await startMatching(engine);
  }, 180_000);
  afterAll(async () => {
    await h?.stop();
  });

  it("tells B that A may hold the person, and nothing about A's record", async () => {
    const first = await h.call(
      h.client.registerRecord,
      { organisationId: "", recordRef: refA, hashes: hashesOf(atA) },
      A,
    );
    expect(first.possibleMatches).toEqual([]);
    await h.call(
      h.client.registerRecord,
      { organisationId: "", recordRef: "c-1", hashes: hashesOf(someoneElse) },
      C,
    );

    const registered = await h.call(
      h.client.registerRecord,
      { organisationId: "", recordRef: refB, hashes: hashesOf(atB) },
      B,
    );
    expect(registered.possibleMatches).toHaveLength(1);
    const [match] = registered.possibleMatches;
    expect(match?.organisationId).toBe("ngo-a");
    expect(match?.strength).toBe(MatchStrength.MATCH_STRENGTH_STRONG);
    // The answer holds no reference to A's record and none of its hashes.
    const answer = JSON.stringify(registered);
    expect(answer).not.toContain(refA);
    for (const { hash } of hashesOf(atA)) expect(answer).not.toContain(hash);

    // Asking again answers the same match id; A finds B the other way round, under its own id.
    const again = await h.call(h.client.findMatches, { organisationId: "", recordRef: refB }, B);
    expect(again.possibleMatches.map((m) => m.matchId)).toEqual([match?.matchId]);
    const fromA = await h.call(h.client.findMatches, { organisationId: "ngo-a", recordRef: refA }, A);
    expect(fromA.possibleMatches.map((m) => m.organisationId)).toEqual(["ngo-b"]);
    expect(fromA.possibleMatches[0]?.matchId).not.toBe(match?.matchId);
  });

  it("keeps every identifier out of its database: no column holds a canary", async () => {
    const dump = await h.dump();
    expect(dump).toContain(refA);
    for (const canary of [
      CANARY_GIVEN,
      CANARY_FAMILY,
      "Zumruduanka",
      "Kanaryaoglu",
      CANARY_PHONE,
      "5329876543",
      "987 65 43",
      CANARY_DOCUMENT,
    ]) {
      expect(dump.toLowerCase()).not.toContain(canary.toLowerCase());
    }
  });

  it("acts only on the caller's own organisation's records", async () => {
    // B asking about A's record, or naming A: as if it did not exist, or refused.
    expect(
      (await failureOf(h.call(h.client.findMatches, { organisationId: "", recordRef: refA }, B))).code,
    ).toBe(status.NOT_FOUND);
    expect(
      (await failureOf(h.call(h.client.removeRecord, { organisationId: "ngo-a", recordRef: refA }, B))).code,
    ).toBe(status.PERMISSION_DENIED);
    const removedNothing = await h.call(h.client.removeRecord, { organisationId: "", recordRef: refA }, B);
    expect(removedNothing.removed).toBe(false);
    // A service acts only when it is a registrar (intake), and only for the organisation it names.
    expect(
      (
        await failureOf(
          h.callAsService(h.client.findMatches, { organisationId: "ngo-a", recordRef: refA }, "gateway"),
        )
      ).code,
    ).toBe(status.PERMISSION_DENIED);
    const viaIntake = await h.callAsService(
      h.client.findMatches,
      { organisationId: "ngo-a", recordRef: refA },
      "intake",
    );
    expect(viaIntake.possibleMatches.map((m) => m.organisationId)).toEqual(["ngo-b"]);
    const missing = await failureOf(
      h.callAsService(h.client.findMatches, { organisationId: "", recordRef: refA }, "intake"),
    );
    expect(missing).toMatchObject({ code: status.INVALID_ARGUMENT });
    expect(missing.details).toContain("organisation_id");
    // No token: refused before anything runs.
    expect(
      (
        await failureOf(
          new Promise((resolve, reject) =>
            h.client.findMatches({ organisationId: "", recordRef: refA }, (error, response) =>
              error ? reject(error) : resolve(response),
            ),
          ),
        )
      ).code,
    ).toBe(status.UNAUTHENTICATED);
  });

  it("names the field of a bad request", async () => {
    const badHash = await failureOf(
      h.call(
        h.client.registerRecord,
        { organisationId: "", recordRef: "x-1", hashes: [{ kind: 1, hash: "Kanaryaoğlu Zümrüdüanka" }] },
        A,
      ),
    );
    expect(badHash.code).toBe(status.INVALID_ARGUMENT);
    expect(badHash.details).toContain("hashes[0].hash");
    const badRef = await failureOf(
      h.call(
        h.client.registerRecord,
        { organisationId: "", recordRef: "Ayşe Yılmaz", hashes: hashesOf(atA) },
        A,
      ),
    );
    expect(badRef.details).toContain("record_ref");
    const noHashes = await failureOf(
      h.call(h.client.registerRecord, { organisationId: "", recordRef: "x-2", hashes: [] }, A),
    );
    expect(noHashes.details).toContain("hashes");
    // A name no organisation can have is a bad request, not another organisation's: for staff and
    // partner systems as for a registrar.
    const badOrganisation = await failureOf(
      h.call(h.client.findMatches, { organisationId: "'; DROP TABLE match_records; --", recordRef: refA }, A),
    );
    expect(badOrganisation.code).toBe(status.INVALID_ARGUMENT);
    expect(badOrganisation.details).toContain("organisation_id: ");
  });

  it("links a match only with a consent, and both organisations see the link", async () => {
    const [match] = (await h.call(h.client.findMatches, { organisationId: "", recordRef: refB }, B))
      .possibleMatches;
    const matchId = match?.matchId as string;
    const noConsent = await failureOf(
      h.call(h.client.linkMatch, { organisationId: "", matchId, consentId: "" }, B),
    );
    expect(noConsent.details).toContain("consent_id");
    // Only the organisation that was told the match can link it.
    expect(
      (
        await failureOf(
          h.call(h.client.linkMatch, { organisationId: "", matchId, consentId: "consent-a" }, A),
        )
      ).code,
    ).toBe(status.NOT_FOUND);

    const linked = await h.call(
      h.client.linkMatch,
      { organisationId: "", matchId, consentId: "consent-b-42" },
      B,
    );
    expect(linked.link).toMatchObject({
      matchId,
      recordRef: refB,
      otherOrganisationId: "ngo-a",
      linkedByOrganisationId: "ngo-b",
      consentId: "consent-b-42",
    });
    const twice = await h.call(
      h.client.linkMatch,
      { organisationId: "", matchId, consentId: "consent-b-43" },
      B,
    );
    expect(twice.link?.consentId).toBe("consent-b-42");

    const seenByA = await h.call(h.client.listMatchLinks, { organisationId: "", page: undefined }, A);
    expect(seenByA.links).toEqual([
      expect.objectContaining({
        matchId,
        recordRef: refA,
        otherOrganisationId: "ngo-b",
        consentId: "consent-b-42",
      }),
    ]);
    const seenByC = await h.call(h.client.listMatchLinks, { organisationId: "", page: undefined }, C);
    expect(seenByC.links).toEqual([]);
    const found = await h.call(h.client.findMatches, { organisationId: "", recordRef: refB }, B);
    expect(found.possibleMatches[0]?.linkedConsentId).toBe("consent-b-42");
  });

  it("forgets a removed record: no match any more, links keep only the consent", async () => {
    const removed = await h.call(h.client.removeRecord, { organisationId: "", recordRef: refA }, A);
    expect(removed.removed).toBe(true);
    expect((await h.call(h.client.removeRecord, { organisationId: "", recordRef: refA }, A)).removed).toBe(
      false,
    );
    const found = await h.call(h.client.findMatches, { organisationId: "", recordRef: refB }, B);
    expect(found.possibleMatches).toEqual([]);
    const seenByA = await h.call(h.client.listMatchLinks, { organisationId: "", page: undefined }, A);
    expect(seenByA.links[0]).toMatchObject({ recordRef: "", otherOrganisationId: "ngo-b" });
    const dump = await h.dump();
    expect(dump).not.toContain(refA);
    for (const { hash } of hashesOf(atA)) {
      if (!hashesOf(atB).some((b) => b.hash === hash)) expect(dump).not.toContain(hash);
    }
  });
});
