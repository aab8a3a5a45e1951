export {
  type ConsumerUse,
  checkBusAccess,
  NETWORK_SERVICES,
  type NetworkService,
  networkBusAccess,
  RECEIVING_SERVICES,
  type ServiceBusOptions,
  serviceBusAccess,
} from "./access.js";
export { EVENTS, NETWORK_LAYOUT, STREAMS, SUBJECTS } from "./layout.js";
