import type { Repositories } from "../../application/ports.js";
import { auditLog } from "./audit.js";
import { beneficiaryRepository } from "./beneficiaries.js";
import { consentRepository } from "./consents.js";
import { contactDetailsRepository } from "./contact-details.js";
import { erasureRequestRepository } from "./erasure-requests.js";
import { noteRepository, rerouteLog } from "./notes.js";
import { partnerOrganisationRepository } from "./partners.js";
import { referralQueries } from "./referral-queries.js";
import { requestRepository } from "./requests.js";
import { screeningRepository } from "./screenings.js";
import { withdrawalAcknowledgements } from "./withdrawal-acknowledgements.js";

/** The SQL implementations of every repository port. */
export const sqlRepositories: Repositories = {
  beneficiaries: beneficiaryRepository,
  consents: consentRepository,
  screenings: screeningRepository,
  requests: requestRepository,
  audit: auditLog,
  partners: partnerOrganisationRepository,
  referrals: referralQueries,
  notes: noteRepository,
  reroutes: rerouteLog,
  contactDetails: contactDetailsRepository,
  erasures: erasureRequestRepository,
  withdrawalAcknowledgements,
};
