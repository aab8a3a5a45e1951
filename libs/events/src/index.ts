export { EVENTS, NETWORK_LAYOUT, STREAMS, SUBJECTS } from "./layout.js";
