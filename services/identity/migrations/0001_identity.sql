-- The identity service's own tables: who may log in, which systems may ask for tokens, the
-- provider's short-lived state, and the keys that sign access tokens.

CREATE TABLE organisations (
  id text PRIMARY KEY,
  name text NOT NULL
);

CREATE TABLE staff_users (
  id text PRIMARY KEY,
  organisation_id text NOT NULL REFERENCES organisations (id),
  username text NOT NULL UNIQUE,
  display_name text NOT NULL,
  -- argon2id PHC string; never the password.
  password_hash text NOT NULL,
  roles text[] NOT NULL DEFAULT '{}',
  failed_attempts integer NOT NULL DEFAULT 0,
  locked_until timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE oauth_clients (
  client_id text PRIMARY KEY,
  -- Absent for service identities, which act for the network, not for an organisation.
  organisation_id text REFERENCES organisations (id),
  kind text NOT NULL CHECK (kind IN ('partner-system', 'service', 'first-party')),
  service_name text,
  auth_method text NOT NULL
    CHECK (auth_method IN ('client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none')),
  -- Plaintext, because client_secret_basic/post compare it as sent (see README); prefer private_key_jwt.
  client_secret text,
  -- Public keys only, for private_key_jwt.
  jwks jsonb,
  grant_types text[] NOT NULL,
  redirect_uris text[] NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CHECK ((kind = 'service') = (service_name IS NOT NULL)),
  CHECK (kind <> 'partner-system' OR organisation_id IS NOT NULL)
);

-- oidc-provider's models (sessions, interactions, codes, grants, refresh tokens, device codes...).
CREATE TABLE oidc_models (
  model text NOT NULL,
  id text NOT NULL,
  payload jsonb NOT NULL,
  expires_at timestamptz,
  grant_id text,
  user_code text,
  uid text,
  consumed_at timestamptz,
  PRIMARY KEY (model, id)
);
CREATE INDEX oidc_models_grant_id ON oidc_models (grant_id) WHERE grant_id IS NOT NULL;
CREATE UNIQUE INDEX oidc_models_user_code ON oidc_models (model, user_code) WHERE user_code IS NOT NULL;
CREATE UNIQUE INDEX oidc_models_uid ON oidc_models (model, uid) WHERE uid IS NOT NULL;
CREATE INDEX oidc_models_expires_at ON oidc_models (expires_at) WHERE expires_at IS NOT NULL;

CREATE TABLE signing_keys (
  kid text PRIMARY KEY,
  -- Private JWK (with alg and kid).
  private_jwk jsonb NOT NULL,
  state text NOT NULL CHECK (state IN ('next', 'current', 'retired')),
  created_at timestamptz NOT NULL DEFAULT now(),
  activated_at timestamptz,
  -- A retired key stays published until every token it signed has expired.
  retire_after timestamptz
);
-- At most one key signs and at most one waits to.
CREATE UNIQUE INDEX signing_keys_one_current ON signing_keys (state) WHERE state IN ('current', 'next');
