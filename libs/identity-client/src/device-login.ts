import { setTimeout as sleep } from "node:timers/promises";
import * as oauth from "oauth4webapi";
import { Browser, isLoginPage } from "./browser.js";
import { tokenError } from "./client-credentials.js";
import { DeviceLoginError, LoginFlowError } from "./errors.js";
import { discover, type IssuerOptions, throwIfRateLimited } from "./http.js";
import { USER_SCOPE, type UserTokenSource, userTokenSource } from "./user-session.js";

export interface DevicePrompt {
  /** Where the person goes, on any device with a browser. */
  verificationUri: string;
  /** The same with the code filled in (for a QR code or a link). */
  verificationUriComplete?: string;
  userCode: string;
  expiresInSeconds: number;
}

export interface DeviceLoginOptions extends IssuerOptions {
  clientId: string;
  audiences: readonly string[];
  /** Shows the person where to go and which code to type. */
  onPrompt(prompt: DevicePrompt): void | Promise<void>;
  signal?: AbortSignal;
}

/**
 * The OAuth device authorization grant (RFC 8628): for a CLI on a machine where no browser can be
 * opened. Polls until the person has logged in at the verification page and confirmed the code.
 */
export async function deviceLogin(options: DeviceLoginOptions): Promise<UserTokenSource> {
  const [firstAudience] = options.audiences;
  if (!firstAudience) throw new TypeError("deviceLogin needs at least one audience");
  const context = await discover(options);
  const { as, requestOptions } = context;
  const client: oauth.Client = { client_id: options.clientId, id_token_signed_response_alg: "ES256" };
  const parameters = [["scope", USER_SCOPE], ...options.audiences.map((audience) => ["resource", audience])];
  const authorization = await oauth.deviceAuthorizationRequest(
    as,
    client,
    oauth.None(),
    parameters,
    requestOptions,
  );
  throwIfRateLimited(authorization, "device authorization");
  let device: oauth.DeviceAuthorizationResponse;
  try {
    device = await oauth.processDeviceAuthorizationResponse(as, client, authorization);
  } catch (error) {
    throw tokenError(error, "the device authorization was refused");
  }
  await options.onPrompt({
    verificationUri: device.verification_uri,
    ...(device.verification_uri_complete
      ? { verificationUriComplete: device.verification_uri_complete }
      : {}),
    userCode: device.user_code,
    expiresInSeconds: device.expires_in,
  });

  let interval = (device.interval ?? 5) * 1000;
  const deadline = Date.now() + device.expires_in * 1000;
  while (Date.now() < deadline) {
    await sleep(interval, undefined, options.signal ? { signal: options.signal } : {});
    const response = await oauth.deviceCodeGrantRequest(as, client, oauth.None(), device.device_code, {
      ...requestOptions,
      additionalParameters: { resource: firstAudience },
    });
    if (response.status === 429) {
      interval += 5000;
      await response.body?.cancel();
      continue;
    }
    try {
      const tokens = await oauth.processDeviceCodeResponse(as, client, response);
      return userTokenSource(context, client, { audience: firstAudience, response: tokens });
    } catch (error) {
      if (error instanceof oauth.ResponseBodyError && error.error === "authorization_pending") continue;
      if (error instanceof oauth.ResponseBodyError && error.error === "slow_down") {
        interval += 5000;
        continue;
      }
      if (error instanceof oauth.ResponseBodyError) {
        throw new DeviceLoginError(`the device login ended: ${error.error}`, { cause: error });
      }
      throw error;
    }
  }
  throw new DeviceLoginError("the device code expired before the login was confirmed");
}

export interface ApproveDeviceLoginOptions extends IssuerOptions {
  /** The `verificationUri` from the prompt. */
  verificationUri: string;
  userCode: string;
  username: string;
  password: string;
}

/**
 * What the person does at the verification page, done over HTTP: type the code, confirm, log in.
 * For demos and tests that play the person; the login is the real one (lockout, rate limits).
 */
export async function approveDeviceLogin(options: ApproveDeviceLoginOptions): Promise<void> {
  const context = await discover(options);
  const browser = new Browser(context.fetch);
  let step = await browser.go(new URL(options.verificationUri));
  if (!step.page) throw new LoginFlowError("the verification page redirected away");
  step = await browser.submit(step.page, { user_code: options.userCode });
  if (!step.page) throw new LoginFlowError("no confirmation page after the code");
  step = await browser.submit(step.page, {});
  if (step.page && isLoginPage(step.page)) {
    step = await browser.logIn(step.page, options.username, options.password);
  }
  if (step.page?.status !== 200 || /<form\b/i.test(step.page.html)) {
    throw new LoginFlowError(`the device confirmation did not succeed (status ${step.page?.status})`);
  }
}
