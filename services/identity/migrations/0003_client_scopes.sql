-- The partner API scopes a partner system's client may ask for (ADR 0019). Other clients have none.
ALTER TABLE oauth_clients ADD COLUMN scopes text[] NOT NULL DEFAULT '{}';
