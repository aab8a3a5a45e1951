// What both the launcher (`pnpm start`, a nats-server for the demo) and the test helpers (a
// nats-server per test run) need before they start a broker: the binary and a free port. Starting
// and supervising the process stays with each of them: the launcher keeps it in its own process
// group and stops it in order, the tests reap it when the run ends.
export { findNatsServerBinary, WELL_KNOWN_NATS_SERVER_BINARIES } from "./binary.js";
export { freePort, isPortOpen } from "./ports.js";
