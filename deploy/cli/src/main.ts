#!/usr/bin/env node
import { randomUUID } from "node:crypto";
import { grpcGateway } from "./grpc.js";
import { runCli } from "./program.js";

const code = await runCli(process.argv.slice(2), grpcGateway(), {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
  now: () => new Date(),
  newId: () => randomUUID(),
});
process.exitCode = code;
