export { type CallContext, callContext, hostedCallerOrganisation } from "./caller.js";
export {
  type ClientCaller,
  callerMetadata,
  callUnary,
  GrpcClient,
  type GrpcClientOptions,
  grpcClient,
  insecureCredentials,
  type MethodOf,
  type RequestOf,
  type ResponseOf,
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
export { type GrpcServiceBinding, type HostedGrpcServer, startGrpcServer, unary } from "./grpc.js";
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
export { actorOf, hasOneOfRoles, normaliseRole, staffRole } from "./roles.js";
export {
  type BuiltService,
  type RunningService,
  runService,
  type ServiceConfig,
  type ServiceContext,
  type ServiceSpec,
  serviceEnv,
  startService,
  type Worker,
} from "./runtime.js";
export { checkText, isFreeTextField, normaliseRequestText, type TextCheck, textViolations } from "./text.js";
export { RequestValidator, validate } from "./validate.js";
