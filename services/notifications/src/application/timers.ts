/** Fans a notice out to its recipients' emails and digests (key: notice id). */
export const FAN_OUT_TIMER = "notice-fan-out";
/** Sends one notice to one person (key: `<notice id>/<actor id>`; payload: actor and organisation). */
export const EMAIL_TIMER = "notice-email";
/** Sends one person's digest (key: actor id; payload: organisation). */
export const DIGEST_TIMER = "notice-digest";
