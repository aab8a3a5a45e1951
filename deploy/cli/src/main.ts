#!/usr/bin/env node
import { randomUUID } from "node:crypto";
import type { Connection } from "./grpc.js";
import { type Gateway, grpcGateway } from "./grpc.js";
import { cliLogins } from "./logins.js";
import { runCli } from "./program.js";
import { cliConnection } from "./sessions.js";

// The connection is made on first use, so `--help` and `login` work before the network file exists.
let connection: Connection | undefined;
let gateway: Gateway | undefined;
const real = (): Gateway => {
  connection ??= cliConnection();
  gateway ??= grpcGateway(connection);
  return gateway;
};
const lazyGateway: Gateway = {
  acting: (as) => real().acting(as),
  intake: (caller) => real().intake(caller),
  coordination: (caller) => real().coordination(caller),
  inbox: (service, caller) => real().inbox(service, caller),
  notifications: (caller) => real().notifications(caller),
  close: () => gateway?.close(),
};

const code = await runCli(
  process.argv.slice(2),
  lazyGateway,
  {
    out: (text) => process.stdout.write(`${text}\n`),
    err: (text) => process.stderr.write(`${text}\n`),
    now: () => new Date(),
    newId: () => randomUUID(),
  },
  () => cliLogins(),
);
process.exitCode = code;
