-- Who called, as the verified access token says (ADR 0012): its subject (the staff user, or the
-- client of a client-credentials token), its OAuth client, and the client of a service that
-- relayed the call for the user. Never a self-asserted id. Rows written before tokens, and rows the
-- service writes when it acts by itself (an event consumer, a timer), have none.
ALTER TABLE referral_audit
  ADD COLUMN subject text,
  ADD COLUMN client_id text,
  ADD COLUMN via_client_id text;
