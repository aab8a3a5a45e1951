import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { status } from "@grpc/grpc-js";
import { LegalStatus, Sex } from "@kopru/contracts/common/v1/disaggregation";
import type { RegisterBeneficiaryRequest } from "@kopru/contracts/intake/v1/intake_service";
import { MatchStrength } from "@kopru/contracts/matching/v1/matching";
import { MatchingServiceClient } from "@kopru/contracts/matching/v1/matching_service";
import { DocumentType } from "@kopru/contracts/referral/v1/package";
import { type MatchingConfig, matchingService } from "@kopru/matching";
import {
  authorizationMetadata,
  callUnary,
  channelCredentials,
  type RunningService,
  serviceAudience,
  startService,
} from "@kopru/service-kit";
import {
  connectNats,
  createTestDatabase,
  freePort,
  type NatsTestConnection,
  startTestIssuer,
  type TestDatabase,
  type TestIssuer,
  waitFor,
} from "@kopru/testing";
import { v4 as uuidv4 } from "uuid";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type IntakeUnderTest,
  type NetworkIds,
  recordTestConsent,
  startIntake,
  testNetworkIds,
} from "./support.js";

// Intake asks the matching service about people it registers (ADR 0027): the hashes go out reliably
// (the matching service is down at first here), one organisation learns that another may hold the
// person, and nothing the person is called reaches the matching service's database.

const CANARY_GIVEN = "Gülizar-Kanarya";
const CANARY_FAMILY = "Sentetikoğlu";
const CANARY_PHONE = "+905559871234";
const CANARY_DOCUMENT = "99123987650";

describe("intake with the matching service", () => {
  let ids: NetworkIds;
  let nats: NatsTestConnection;
  let issuer: TestIssuer;
  let intake: IntakeUnderTest;
  let matching: RunningService<MatchingConfig> | undefined;
  let matchingDatabase: TestDatabase;
  let matchingPort: number;
  const dataDir = mkdtempSync(join(tmpdir(), "kopru-intake-matching-"));

  beforeAll(async () => {
    ids = testNetworkIds();
    nats = await connectNats();
    issuer = await startTestIssuer();
    matchingPort = await freePort();
    matchingDatabase = await createTestDatabase({ prefix: "intake_matching" });
    intake = await startIntake(ids, nats, {
      issuer,
      env: {
        MATCHING_ADDRESS: `127.0.0.1:${matchingPort}`,
        MATCHING_NETWORK_SECRET: randomBytes(32).toString("base64"),
        AUTH_CLIENT_ID: "service-intake",
        AUTH_CLIENT_SECRET: "synthetic-test-secret",
      },
    });
  }, 120_000);

  afterAll(async () => {
    await intake?.stop();
    await matching?.stop();
    await matchingDatabase?.drop();
    await issuer?.close();
    await nats?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  function registration(
    organisationId: string,
    person: Partial<RegisterBeneficiaryRequest>,
  ): RegisterBeneficiaryRequest {
    return {
      requestId: uuidv4(),
      organisationId,
      givenName: CANARY_GIVEN,
      familyName: CANARY_FAMILY,
      sex: Sex.SEX_FEMALE,
      birthYear: 1983,
      nationality: "SY",
      legalStatus: LegalStatus.LEGAL_STATUS_TEMPORARY_PROTECTION,
      residence: { provinceCode: ids.province, districtCode: "" },
      phoneNumber: CANARY_PHONE,
      preferredLanguage: "ar",
      interpreterNeeded: false,
      safeToContact: true,
      preferredContactMethod: 0,
      safeContactWindows: [],
      ...person,
    };
  }

  let firstId = "";

  it("registers while the matching service is down, and says the check is pending", async () => {
    const registered = await intake.api.call("registerBeneficiary", registration(ids.ngo, {}));
    firstId = registered.beneficiary?.beneficiaryId ?? "";
    expect(firstId).not.toBe("");
    expect(registered.matchingPending).toBe(true);
    expect(registered.possibleMatchesElsewhere).toEqual([]);
  });

  it("sends the registration once the matching service is up", async () => {
    matching = await startService(matchingService, {
      NATS_URL: nats.url,
      DATABASE_URL: matchingDatabase.url,
      DATA_DIR: dataDir,
      GRPC_HOST: "127.0.0.1",
      GRPC_PORT: String(matchingPort),
      LOG_LEVEL: "silent",
      ...issuer.serviceEnv(),
    });
    // The worker retries on its own; the check call sends at once too. Either way it arrives.
    await waitFor(
      async () => {
        const rows = await matching?.context.db.query(
          "SELECT 1 FROM match_records WHERE organisation_id = $1",
          [ids.ngo],
        );
        return (rows?.rows.length ?? 0) > 0;
      },
      { timeoutMs: 60_000, message: "the first registration reached the matching service" },
    );
    const checked = await intake.api.call("checkPossibleDuplicates", { beneficiaryId: firstId });
    expect(checked.matchingPending).toBe(false);
    expect(checked.possibleMatchesElsewhere).toEqual([]);
  });

  it("tells the other organisation that the first may hold the person, keeping its own warning", async () => {
    const other = intake.api.as({
      organisationId: ids.otherNgo,
      actorId: "caseworker-2",
      roles: ["caseworker"],
    });
    // The same person as the other organisation wrote her: names swapped, without Turkish letters.
    const registered = await other.call(
      "registerBeneficiary",
      registration(ids.otherNgo, {
        givenName: "Sentetikoglu",
        familyName: "Gulizar Kanarya",
      }),
    );
    expect(registered.matchingPending).toBe(false);
    expect(registered.possibleMatchesElsewhere).toEqual([
      expect.objectContaining({ organisationId: ids.ngo, strength: MatchStrength.MATCH_STRENGTH_STRONG }),
    ]);
    // Nothing of the first record: not its id, not its reference at the matching service.
    expect(JSON.stringify(registered.possibleMatchesElsewhere)).not.toContain(firstId);

    // Its own organisation's duplicate warning still works as before.
    const twice = await other.call(
      "registerBeneficiary",
      registration(ids.otherNgo, { givenName: "Sentetikoglu", familyName: "Gulizar Kanarya" }),
    );
    expect(twice.possibleDuplicateIds).toEqual([registered.beneficiary?.beneficiaryId]);

    // The first organisation, asking again, now hears of the other.
    const fromFirst = await intake.api.call("checkPossibleDuplicates", { beneficiaryId: firstId });
    expect(fromFirst.possibleMatchesElsewhere.map((m) => m.organisationId)).toEqual([ids.otherNgo]);

    // Linking needs the person's consent, in force, and a match told for this person.
    const beneficiaryId = registered.beneficiary?.beneficiaryId ?? "";
    const matchId = registered.possibleMatchesElsewhere[0]?.matchId ?? "";
    const consentId = await recordTestConsent(other, beneficiaryId);
    const unknown = await other
      .call("linkPossibleMatch", { beneficiaryId, matchId: uuidv4(), consentId })
      .catch((error: { code: number }) => error);
    expect((unknown as { code: number }).code).toBe(status.NOT_FOUND);
    const linked = await other.call("linkPossibleMatch", { beneficiaryId, matchId, consentId });
    expect(linked.link).toMatchObject({ matchId, otherOrganisationId: ids.ngo, consentId });
    // The first organisation is told through its own list: its record, the other organisation, the consent.
    const client = new MatchingServiceClient(`127.0.0.1:${matchingPort}`, channelCredentials("plaintext"));
    const seen = await callUnary(
      client,
      client.listMatchLinks,
      { organisationId: "", page: undefined },
      authorizationMetadata(await issuer.mint({ organisationId: ids.ngo }, serviceAudience("matching"))),
    );
    client.close();
    expect(seen.links).toEqual([
      expect.objectContaining({
        matchId,
        otherOrganisationId: ids.otherNgo,
        linkedByOrganisationId: ids.otherNgo,
        consentId,
      }),
    ]);
    expect(seen.links[0]?.recordRef).not.toBe("");
  });

  it("adds a screened document number to the keys: another name, the same document, a strong match", async () => {
    const other = intake.api.as({
      organisationId: ids.otherNgo,
      actorId: "caseworker-2",
      roles: ["caseworker"],
    });
    const screen = (api: typeof other, beneficiaryId: string, documentNumber: string) =>
      api.call("screenNeeds", {
        requestId: uuidv4(),
        beneficiaryId,
        servicesNeeded: [],
        vulnerabilities: [],
        washingtonGroupAnswers: [],
        household: undefined,
        legalDocument: {
          documentType: DocumentType.DOCUMENT_TYPE_TEMPORARY_PROTECTION_ID,
          documentNumber,
          registrationProvinceCode: "TUR027",
        },
      });
    await screen(intake.api, firstId, CANARY_DOCUMENT);
    // Recorded under another name and year, with no phone: only the document can tell.
    const renamed = await other.call(
      "registerBeneficiary",
      registration(ids.otherNgo, {
        givenName: "Başka",
        familyName: "Kişi",
        birthYear: 1999,
        phoneNumber: undefined,
      }),
    );
    const renamedId = renamed.beneficiary?.beneficiaryId ?? "";
    expect(renamed.possibleMatchesElsewhere.map((m) => m.organisationId)).not.toContain(ids.ngo);
    await screen(other, renamedId, "99-123 987 650");
    const checked = await waitFor(
      async () => {
        const answer = await other.call("checkPossibleDuplicates", { beneficiaryId: renamedId });
        return answer.possibleMatchesElsewhere.some((m) => m.organisationId === ids.ngo) && answer;
      },
      { timeoutMs: 30_000, message: "the document matched at the first organisation" },
    );
    expect(checked.possibleMatchesElsewhere).toEqual([
      expect.objectContaining({ organisationId: ids.ngo, strength: MatchStrength.MATCH_STRENGTH_STRONG }),
    ]);
  });

  it("keeps every identifier out of the matching service's database", async () => {
    const db = matching?.context.db;
    if (!db) throw new Error("matching is not running");
    const tables = await db.query<{ table_name: string }>(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'",
    );
    let dump = "";
    for (const { table_name } of tables.rows) {
      const rows = await db.query<{ row: string }>(
        `SELECT row_to_json(t)::text AS row FROM "${table_name}" t`,
      );
      dump += rows.rows.map((r) => r.row).join("\n");
    }
    expect(dump).toContain(ids.ngo);
    for (const canary of [
      CANARY_GIVEN,
      CANARY_FAMILY,
      "Gulizar",
      "Sentetik",
      CANARY_PHONE,
      "5559871234",
      firstId,
    ]) {
      expect(dump.toLowerCase()).not.toContain(canary.toLowerCase());
    }
  });
});
