// A ready-made vitest `globalSetup` entry: `globalSetup: ["libs/testing/src/global-setup.ts"]`.
// Resolves the servers once for the whole run instead of once per worker (which matters when the
// route is containers or a started nats-server), and stops them after the run.
import { shareTestServers } from "./servers.js";

export default shareTestServers;
