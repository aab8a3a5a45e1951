// What the launcher needs to know about the demo seed before it decides to seed, apart from the seed
// plan itself: that one loads faker and the contracts, which a start on seeded data never needs.

export const SEED_MARKER = "seeded v1";
export const DEMO_SEED = 2026;
export const DEFAULT_REFERRAL_COUNT = 300;
