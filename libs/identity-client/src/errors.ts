/** The issuer's discovery document could not be fetched or is not an issuer's. */
export class DiscoveryError extends Error {
  override readonly name = "DiscoveryError";
  readonly code = "IDENTITY_DISCOVERY_FAILED";
}

/** The token endpoint refused (bad client credentials, unknown audience, expired refresh token...). */
export class TokenRequestError extends Error {
  override readonly name = "TokenRequestError";
  readonly code = "IDENTITY_TOKEN_REQUEST_FAILED";
  constructor(
    message: string,
    /** The OAuth error code, e.g. `invalid_client`, `invalid_target`. */
    readonly error?: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** The login form refused the username and password (wrong, unknown or locked: it does not say). */
export class LoginFailedError extends Error {
  override readonly name = "LoginFailedError";
  readonly code = "IDENTITY_LOGIN_FAILED";
}

/** The issuer answered 429; `retryAfterSeconds` is what its Retry-After header said. */
export class RateLimitedError extends Error {
  override readonly name = "RateLimitedError";
  readonly code = "IDENTITY_RATE_LIMITED";
  constructor(
    message: string,
    readonly retryAfterSeconds: number | undefined,
  ) {
    super(message);
  }
}

/** The login flow did not go the way the provider's pages should lead it (an unexpected page). */
export class LoginFlowError extends Error {
  override readonly name = "LoginFlowError";
  readonly code = "IDENTITY_LOGIN_FLOW_FAILED";
}

/** The device authorization was denied or expired before the person confirmed it. */
export class DeviceLoginError extends Error {
  override readonly name = "DeviceLoginError";
  readonly code = "IDENTITY_DEVICE_LOGIN_FAILED";
}

/**
 * The staff directory refused or failed: `status` is the HTTP status (401 a bad token, 403 a token
 * that is not a service's, 404 an unknown organisation), `error` the RFC 6750 / OAuth error code.
 */
export class StaffDirectoryError extends Error {
  override readonly name = "StaffDirectoryError";
  readonly code = "IDENTITY_STAFF_DIRECTORY_FAILED";
  constructor(
    message: string,
    readonly status: number | undefined,
    readonly error?: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}
