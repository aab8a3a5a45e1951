export { associatedData, generateKeyPair, open, type SealBinding, SUITE_NAME, seal } from "./crypto.js";
export {
  DEFAULT_KEY_POLICY,
  type OwnSealingKey,
  type PrivateKeyLookup,
  type SealingKeyPolicy,
  SealingKeyStore,
  sealingMigrations,
} from "./keys.js";
export {
  type DurableRef,
  durablesDrained,
  personalDurablesOf,
  SealingKeyManager,
  type SealingKeyManagerOptions,
} from "./manager.js";
export { createOpener } from "./opener.js";
export { addresseeOf, createSealer, type RecipientKeyLookup, refusePersonalEvents } from "./sealer.js";
export {
  type SealingConfig,
  type ServiceSealing,
  type ServiceSealingOptions,
  sealingEnv,
  sealingPolicyOf,
  serviceSealing,
} from "./service.js";
