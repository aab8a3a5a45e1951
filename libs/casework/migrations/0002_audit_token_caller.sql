-- Who called, as the verified access token says (ADR 0012): its subject (the staff user, or the
-- client of a client-credentials token), its OAuth client, and the client of a service that
-- relayed the call for the user. Never a self-asserted id. (`subject_id` is older and unrelated:
-- the assessment, item or referral an action concerned.) Rows written before tokens, and rows the
-- service writes when it acts by itself (an event consumer), have none.
ALTER TABLE casework_audit
  ADD COLUMN subject text,
  ADD COLUMN client_id text,
  ADD COLUMN via_client_id text;
