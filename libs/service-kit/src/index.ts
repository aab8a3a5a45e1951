export { type Clock, offsetFileClock, systemClock } from "./clock.js";
export {
  ConflictError,
  type FieldViolation,
  InvalidArgumentError,
  NotFoundError,
  PermissionDeniedError,
  PreconditionFailedError,
  registerErrorCode,
  toServiceError,
} from "./errors.js";
export {
  type CallContext,
  type ClientCaller,
  callerMetadata,
  callUnary,
  type GrpcServiceBinding,
  type HostedGrpcServer,
  insecureCredentials,
  startGrpcServer,
  unary,
} from "./grpc.js";
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
export { RequestValidator, validate } from "./validate.js";
