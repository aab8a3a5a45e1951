import { LegalStatus, Sex } from "@kopru/contracts/common/v1/disaggregation";
import { ContactMethod, Weekday } from "@kopru/contracts/referral/v1/package";
import type { NatsTestConnection } from "@kopru/testing";
import { v4 as uuidv4 } from "uuid";
import { afterAll, beforeAll, expect, it } from "vitest";
import { connect, type IntakeUnderTest, startIntake, testNetworkIds } from "./support.js";

// Safe-contact windows and UpdateContactDetails on the embedded default (PGlite under DATA_DIR),
// which `pnpm start` runs: the windows are jsonb there too.
const ids = testNetworkIds();
let nats: NatsTestConnection;
let intake: IntakeUnderTest;

beforeAll(async () => {
  nats = await connect();
  intake = await startIntake(ids, nats, { embedded: true });
}, 90_000);

afterAll(async () => {
  await intake?.stop();
  await nats?.close();
});

it("keeps the safe windows given at registration and replaced by UpdateContactDetails", async () => {
  const windows = [{ days: [Weekday.WEEKDAY_TUESDAY], startMinute: 540, endMinute: 600 }];
  const registered = await intake.api.call("registerBeneficiary", {
    requestId: uuidv4(),
    organisationId: ids.ngo,
    givenName: "Hala",
    familyName: "Synthetic-Embedded",
    sex: Sex.SEX_FEMALE,
    birthYear: 1995,
    nationality: "SY",
    legalStatus: LegalStatus.LEGAL_STATUS_TEMPORARY_PROTECTION,
    residence: { provinceCode: ids.province, districtCode: "" },
    preferredLanguage: "ar",
    interpreterNeeded: false,
    safeToContact: true,
    preferredContactMethod: ContactMethod.CONTACT_METHOD_SMS,
    safeContactWindows: windows,
  });
  const beneficiaryId = registered.beneficiary?.beneficiaryId ?? "";
  expect(
    (await intake.api.call("getBeneficiary", { beneficiaryId })).beneficiary?.safeContactWindows,
  ).toEqual(windows);
  const later = [
    { days: [Weekday.WEEKDAY_SATURDAY, Weekday.WEEKDAY_SUNDAY], startMinute: 1_080, endMinute: 1_140 },
  ];
  const updated = await intake.api.call("updateContactDetails", {
    requestId: uuidv4(),
    beneficiaryId,
    safeToContact: true,
    safeContactWindows: later,
    preferredContactMethod: ContactMethod.CONTACT_METHOD_WHATSAPP,
    phoneNumber: "+905550001111",
  });
  expect(updated.notifiedOrganisationIds).toEqual([]);
  expect((await intake.api.call("getBeneficiary", { beneficiaryId })).beneficiary).toMatchObject({
    safeContactWindows: later,
    phoneNumber: "+905550001111",
    preferredContactMethod: ContactMethod.CONTACT_METHOD_WHATSAPP,
  });
});
