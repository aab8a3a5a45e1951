-- A replica of coordination's service directory (libs/directory), kept from directory events.
-- Holds no personal data. Each row keeps the encoded proto so the replica never lags the contract.
CREATE TABLE directory_organisations (
  organisation_id text PRIMARY KEY,
  partner_kind integer NOT NULL,
  active boolean NOT NULL,
  organisation bytea NOT NULL,
  updated_at timestamptz NOT NULL
);

CREATE TABLE directory_offerings (
  service_offering_id text PRIMARY KEY,
  organisation_id text NOT NULL,
  service_type integer NOT NULL,
  capacity_status integer NOT NULL,
  active boolean NOT NULL,
  offering bytea NOT NULL,
  updated_at timestamptz NOT NULL
);
CREATE INDEX directory_offerings_type ON directory_offerings (service_type) WHERE active;
