-- The staff console's sessions (the gateway as its backend-for-frontend, ADR 0020). The browser holds
-- only an opaque session id in an HttpOnly cookie; the row holds what the session is. Tokens never
-- reach the browser: the refresh token (rotated at each use) stays here, access tokens in memory.
CREATE TABLE console_sessions (
  -- SHA-256 (hex) of the cookie's session id: a copy of this table opens no session.
  id_hash         text PRIMARY KEY,
  staff_id        text NOT NULL,
  username        text NOT NULL,
  display_name    text NOT NULL,
  organisation_id text NOT NULL,
  roles           text[] NOT NULL,
  refresh_token   text NOT NULL,
  csrf_token      text NOT NULL,
  created_at      timestamptz NOT NULL,
  last_seen_at    timestamptz NOT NULL,
  -- The absolute end: the refresh token's own lifetime.
  expires_at      timestamptz NOT NULL
);
CREATE INDEX console_sessions_expires_at ON console_sessions (expires_at);

-- Logins under way: the state sent to the identity service (hashed) and the PKCE verifier that goes
-- with it, for the few minutes between the redirect there and the callback.
CREATE TABLE console_logins (
  state_hash  text PRIMARY KEY,
  verifier    text NOT NULL,
  lang        text NOT NULL,
  expires_at  timestamptz NOT NULL
);
