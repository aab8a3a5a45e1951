import { Priority, Purpose, ServiceType } from "@kopru/contracts/common/v1/vocabulary";
import type { CreateReferralRequest } from "@kopru/contracts/intake/v1/intake_service";
import { connectNats } from "@kopru/testing";
import type { TestNetwork } from "../support/network.js";

/**
 * The referral every chaos load sends: counselling at the network's Gaziantep MMCC for a person
 * registered with consent. A retry sends the same request id, which intake answers with the
 * referral it made the first time.
 */
export function counsellingReferral(
  network: TestNetwork,
  requestId: string,
  person: { beneficiaryId: string; consentId: string },
): CreateReferralRequest {
  return {
    requestId,
    beneficiaryId: person.beneficiaryId,
    serviceType: ServiceType.SERVICE_TYPE_MMCC_COUNSELLING,
    priority: Priority.PRIORITY_NORMAL,
    purpose: Purpose.PURPOSE_SERVICE_PROVISION,
    reasonForReferral: "Needs counselling on services (synthetic).",
    consentId: person.consentId,
    routing: { $case: "explicitTarget", value: { organisationId: network.orgs.mmccGaziantep } },
    dataCategories: [],
  };
}

/** Every durable consumer of the network's streams with nothing pending and nothing unacknowledged. */
export async function consumersDrained(network: TestNetwork): Promise<true | string> {
  const nats = await connectNats(network.adminNats());
  try {
    const busy: string[] = [];
    for await (const stream of nats.jsm.streams.list()) {
      for await (const consumer of nats.jsm.consumers.list(stream.config.name)) {
        if (consumer.num_pending > 0 || consumer.num_ack_pending > 0)
          busy.push(`${consumer.name}: ${consumer.num_pending} pending, ${consumer.num_ack_pending} unacked`);
      }
    }
    return busy.length === 0 ? true : busy.join("; ");
  } finally {
    await nats.close();
  }
}
