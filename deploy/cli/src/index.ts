// Public surface of @kopru/cli: the command line (for tests and embedding), the gRPC gateway, and
// the service table the launcher (@kopru/local) shares so both agree on where everything listens.
export type { CliIo } from "./context.js";
export {
  enumChoices,
  enumName,
  enumPrefix,
  InvalidChoiceError,
  type ProtoEnum,
  parseEnum,
  parseEnumList,
  splitList,
} from "./enums.js";
export { CliUsageError, type FormattedError, formatError, GrpcCallError, statusName } from "./errors.js";
export {
  type Api,
  type Connection,
  type Gateway,
  GrpcApi,
  grpcGateway,
  type MethodOf,
  type RequestOf,
  type ResponseOf,
} from "./grpc.js";
export { NETWORK_FILE, type NetworkFile } from "./network-file.js";
export { buildProgram, runCli } from "./program.js";
export { PROVINCES, provinceLabel, provinceName } from "./provinces.js";
export {
  addressVariable,
  DEFAULT_PORTS,
  isReceivingService,
  isServiceName,
  RECEIVING_SERVICES,
  type ReceivingService,
  SERVICE_NAMES,
  type ServiceName,
  serviceAddress,
  serviceForOrganisation,
  splitAddress,
} from "./services.js";
