// Testcontainers route (step 2 of the resolution order). The module is imported lazily: it costs
// ~300 ms to load, which a test on a machine with local servers or env URLs should never pay.

const DETECT_TIMEOUT_MS = 2_000;
const NATS_IMAGE = "nats:2.10";
const POSTGRES_IMAGE = "postgres:16";

export interface StartedService {
  url: string;
  stop(): Promise<void>;
}

/**
 * Whether a container engine answers. Any failure (no socket, no permission, slow engine) means
 * "no": the caller falls through to local servers. `KOPRU_TESTCONTAINERS=off` skips the probe.
 */
export async function containerEngineAvailable(): Promise<boolean> {
  if (process.env.KOPRU_TESTCONTAINERS === "off") return false;
  let timer: NodeJS.Timeout | undefined;
  try {
    const { getContainerRuntimeClient } = await import("testcontainers");
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error("container engine probe timed out")), DETECT_TIMEOUT_MS);
      timer.unref();
    });
    await Promise.race([getContainerRuntimeClient(), timeout]);
    return true;
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}

export async function startNatsContainer(): Promise<StartedService> {
  const { GenericContainer, Wait } = await import("testcontainers");
  const container = await new GenericContainer(NATS_IMAGE)
    .withCommand(["-js"])
    .withExposedPorts(4222)
    .withWaitStrategy(Wait.forLogMessage(/Server is ready/))
    .start();
  return {
    url: `nats://${container.getHost()}:${container.getMappedPort(4222)}`,
    stop: async () => {
      await container.stop();
    },
  };
}

/** Returns an admin URL (role postgres, database postgres); test databases are created from it. */
export async function startPostgresContainer(): Promise<StartedService> {
  const { GenericContainer, Wait } = await import("testcontainers");
  const container = await new GenericContainer(POSTGRES_IMAGE)
    .withEnvironment({ POSTGRES_HOST_AUTH_METHOD: "trust" })
    .withExposedPorts(5432)
    // The entrypoint starts a temporary server for init scripts first, so "ready" appears twice.
    .withWaitStrategy(Wait.forLogMessage(/database system is ready to accept connections/, 2))
    .start();
  return {
    url: `postgres://postgres@${container.getHost()}:${container.getMappedPort(5432)}/postgres`,
    stop: async () => {
      await container.stop();
    },
  };
}
