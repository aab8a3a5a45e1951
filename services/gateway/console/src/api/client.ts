import type { ConsoleRpc } from "@kopru/contracts/openapi/console-api";
import { currentLanguage } from "../i18n/index.js";
import { isPersonCall } from "./activity.js";

/** The backend answers a call with this header but never lets it extend the session (ADR 0020). */
export const BACKGROUND_HEADER = "x-console-background";

export type ConsoleService = keyof ConsoleRpc;
export type MethodOf<S extends ConsoleService> = keyof ConsoleRpc[S] & string;
type Entry<S extends ConsoleService, M extends MethodOf<S>> = ConsoleRpc[S][M] extends {
  request: infer Req;
  response: infer Res;
}
  ? { request: Req; response: Res }
  : never;
export type RequestOf<S extends ConsoleService, M extends MethodOf<S>> = Entry<S, M>["request"];
export type ResponseOf<S extends ConsoleService, M extends MethodOf<S>> = Entry<S, M>["response"];

/** One field the server named as wrong, with why. */
export interface InvalidParam {
  name: string;
  reason: string;
}

/** An RFC 9457 problem from the console's backend, thrown by every call that failed. */
export class ProblemError extends Error {
  readonly status: number;
  readonly code: string;
  readonly title: string;
  readonly detail: string | undefined;
  readonly invalidParams: readonly InvalidParam[];

  constructor(status: number, body: Record<string, unknown> | undefined) {
    const title = typeof body?.title === "string" ? body.title : `HTTP ${status}`;
    super(title);
    this.name = "ProblemError";
    this.status = status;
    this.code = typeof body?.code === "string" ? body.code : status === 0 ? "offline" : "unknown";
    this.title = title;
    this.detail = typeof body?.detail === "string" ? body.detail : undefined;
    this.invalidParams = Array.isArray(body?.invalid_params) ? (body.invalid_params as InvalidParam[]) : [];
  }

  /** The browser could not reach the gateway at all (offline, or the network dropped). */
  get offline(): boolean {
    return this.status === 0;
  }
}

let csrfToken: string | undefined;

/** Given by the session answer; sent with every state-changing call. */
export function setCsrfToken(token: string | undefined): void {
  csrfToken = token;
}

/** Where the browser goes to log in (again), in the language it is using now. */
export function loginUrl(): string {
  return `/console/auth/login?lang=${currentLanguage()}`;
}

let sessionEndedHandler: ((code: string) => void) | undefined;
/** Called once the backend says the session is gone (idle timeout, logout elsewhere). */
export function onSessionEnded(handler: (code: string) => void): void {
  sessionEndedHandler = handler;
}

async function send(path: string, init: RequestInit, background = false): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(path, {
      ...init,
      credentials: "same-origin",
      cache: "no-store",
      headers: {
        accept: "application/json",
        ...(background || !isPersonCall() ? { [BACKGROUND_HEADER]: "1" } : {}),
        ...(init.body !== undefined ? { "content-type": "application/json" } : {}),
        ...(csrfToken && init.method && init.method !== "GET" ? { "x-csrf-token": csrfToken } : {}),
        ...init.headers,
      },
    });
  } catch {
    throw new ProblemError(0, { title: "offline", code: "offline" });
  }
  const text = await response.text();
  const body = text ? (JSON.parse(text) as unknown) : undefined;
  if (!response.ok) {
    const problem = new ProblemError(response.status, body as Record<string, unknown> | undefined);
    if (response.status === 401) sessionEndedHandler?.(problem.code);
    throw problem;
  }
  return body;
}

/** The session the backend holds for this browser (no tokens: they never leave the gateway). */
export interface ConsoleSession {
  staffId: string;
  username: string;
  displayName: string;
  organisationId: string;
  roles: string[];
  inboxService: "municipality" | "ecm" | "protection" | "community-centre" | null;
  csrfToken: string;
  idleTimeoutSeconds: number;
  /** When the person logged in (ISO). */
  startedAt: string;
  expiresAt: string;
}

export async function fetchSession(): Promise<ConsoleSession> {
  const session = (await send("/console/api/session", { method: "GET" })) as ConsoleSession;
  setCsrfToken(session.csrfToken);
  return session;
}

/** An active colleague of the caller's organisation, from the identity service's staff directory. */
export interface Colleague {
  staffId: string;
  displayName: string;
  roles: string[];
}

export async function fetchColleagues(): Promise<Colleague[]> {
  const answer = (await send("/console/api/colleagues", { method: "GET" })) as { colleagues: Colleague[] };
  return answer.colleagues;
}

export async function logout(): Promise<void> {
  await send("/console/auth/logout", { method: "POST", body: "{}" });
  setCsrfToken(undefined);
}

export interface CallOptions {
  /** Makes a state change safe to send again: the backend runs it once per key. */
  idempotencyKey?: string;
  signal?: AbortSignal;
  /**
   * The console's own call (a poll), never the person's: it does not keep the session alive. Calls
   * are marked so anyway when the person has not touched the page for a while.
   */
  background?: boolean;
}

/** Calls one service method through the backend, as the logged-in staff member. */
export async function rpc<S extends ConsoleService, M extends MethodOf<S>>(
  service: S,
  method: M,
  request: RequestOf<S, M>,
  options: CallOptions = {},
): Promise<ResponseOf<S, M>> {
  return (await send(
    `/console/api/rpc/${service}/${method}`,
    {
      method: "POST",
      body: JSON.stringify(request ?? {}),
      ...(options.signal ? { signal: options.signal } : {}),
      headers: options.idempotencyKey ? { "idempotency-key": options.idempotencyKey } : {},
    },
    options.background ?? false,
  )) as ResponseOf<S, M>;
}
