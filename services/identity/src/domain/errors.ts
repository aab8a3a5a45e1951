/** A provisioning spec that names something that cannot be (an unknown organisation, a bad role...). */
export class InvalidProvisioningSpecError extends Error {
  override readonly name = "InvalidProvisioningSpecError";
  readonly code = "INVALID_PROVISIONING_SPEC";
}

/** The signing keys in the database cannot form a key set (none current). */
export class SigningKeysUnavailableError extends Error {
  override readonly name = "SigningKeysUnavailableError";
  readonly code = "SIGNING_KEYS_UNAVAILABLE";
}
