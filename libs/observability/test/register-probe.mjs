// Run by register.test.ts as `node --import tsx --import @kopru/observability/register`:
// an ESM app making one HTTP and one gRPC call to itself, then exiting on its own.
import { createServer, get } from "node:http";
import { createRequire } from "node:module";
import * as grpc from "@grpc/grpc-js";
import { trace } from "@opentelemetry/api";

const identity = (value) => value;
const ping = {
  path: "/kopru.probe.v1.Probe/Ping",
  requestStream: false,
  responseStream: false,
  requestSerialize: identity,
  requestDeserialize: identity,
  responseSerialize: identity,
  responseDeserialize: identity,
};

const seen = {};

const grpcServer = new grpc.Server();
grpcServer.addService(
  { Ping: ping },
  {
    Ping(call, callback) {
      seen.grpcTraceparent = call.metadata.get("traceparent")[0] ?? null;
      seen.grpcServerSpan = Boolean(trace.getActiveSpan()?.isRecording());
      callback(null, Buffer.from("pong"));
    },
  },
);
const grpcPort = await new Promise((resolve, reject) =>
  grpcServer.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (error, port) =>
    error ? reject(error) : resolve(port),
  ),
);
const Client = grpc.makeGenericClientConstructor({ Ping: ping }, "Probe");
const client = new Client(`127.0.0.1:${grpcPort}`, grpc.credentials.createInsecure());
await new Promise((resolve, reject) =>
  client.Ping(Buffer.from("ping"), (error, reply) => (error ? reject(error) : resolve(reply))),
);
client.close();
grpcServer.forceShutdown();

const httpServer = createServer((request, response) => {
  seen.httpTraceparent = request.headers.traceparent ?? null;
  response.end("ok");
});
await new Promise((resolve) => httpServer.listen(0, "127.0.0.1", resolve));
const { port: httpPort } = httpServer.address();
await new Promise((resolve, reject) =>
  get(`http://127.0.0.1:${httpPort}/probe`, (response) => response.resume().on("end", resolve)).on(
    "error",
    reject,
  ),
);
httpServer.close();

// Whether NodeSDK (with its exporters, metrics and logs) was loaded into the process at all.
seen.nodeSdkLoaded = Object.keys(createRequire(import.meta.url).cache).some((file) =>
  file.includes("/@opentelemetry/sdk-node/"),
);

process.stdout.write(`${JSON.stringify(seen)}\n`);
