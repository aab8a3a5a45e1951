export { auditLogBinding } from "./audit-log.js";
export {
  AUTHORIZATION_HEADER,
  type AuthenticatedCall,
  authenticateCall,
  type CallerKind,
  type ClaimMapping,
  DEFAULT_ALGORITHMS,
  DEFAULT_CLAIMS,
  DiscoveryError,
  discoverJwksUri,
  MAX_TOKEN_LIFETIME_SECONDS,
  ON_BEHALF_OF_HEADER,
  TokenVerifier,
  type TokenVerifierOptions,
  UnauthenticatedError,
  type VerifiedIdentity,
} from "./auth.js";
export { type CallContext, callContext, hostedCallerOrganisation } from "./caller.js";
export { CallsInFlightGate, ServiceAtCapacityError } from "./calls-in-flight.js";
export {
  authorizationMetadata,
  type ClientCaller,
  callUnary,
  GrpcClient,
  type GrpcClientOptions,
  grpcClient,
  type MethodOf,
  type RequestOf,
  type ResponseOf,
  serviceAudience,
  type TokenSource,
  type UnaryMethod,
} from "./client.js";
export { type Clock, offsetFileClock, systemClock } from "./clock.js";
export {
  type CatalogueEntry,
  DuplicateErrorCodeError,
  ErrorCatalogue,
  type ErrorDeclaration,
  type ErrorDeclarations,
  type FieldViolation,
  GENERIC_ERRORS,
  InvalidArgumentError,
  NotFoundError,
  PermissionDeniedError,
  PROBLEM_TYPE_PREFIX,
  type ProblemDetails,
} from "./errors.js";
export {
  authenticatedCallContext,
  type GrpcServiceBinding,
  type HostedGrpcServer,
  startGrpcServer,
  unary,
} from "./grpc.js";
export {
  checkHealth,
  type HealthStatus,
  NotServingError,
  type WaitUntilServingOptions,
  waitUntilServing,
} from "./health.js";
export {
  appendAudit,
  claimRequestId,
  earlierRequestEntity,
  type RequestClaim,
  requestFingerprint,
} from "./records.js";
export { actorOf, hasOneOfRoles, normaliseRole, primaryStaffRole, ROLES, staffRole } from "./roles.js";
export {
  type BuiltService,
  type RunningService,
  refusePersonalData,
  runService,
  type ServiceConfig,
  type ServiceContext,
  type ServiceSpec,
  serviceEnv,
  serviceTokensOf,
  startService,
  tokenVerifierOf,
  transportSecurityOf,
  type Worker,
} from "./runtime.js";
export { checkText, isFreeTextField, normaliseRequestText, type TextCheck, textViolations } from "./text.js";
export {
  channelCredentials,
  serverCredentials,
  type TlsFiles,
  type TlsMaterial,
  type TransportSecurity,
} from "./tls.js";
export { RequestValidator, validate } from "./validate.js";
