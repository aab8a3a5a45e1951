import {
  type QueryKey,
  type UseQueryOptions,
  useMutation,
  useQuery,
  useQueryClient,
} from "@tanstack/react-query";
import {
  type CallOptions,
  type ConsoleService,
  type MethodOf,
  type ProblemError,
  type RequestOf,
  type ResponseOf,
  rpc,
} from "./client.js";

export function rpcKey(service: string, method: string, request?: unknown): QueryKey {
  return request === undefined ? [service, method] : [service, method, request];
}

/**
 * A read through the backend, cached by service, method and request. `background` marks a read the
 * console keeps fresh on its own (a poll): it never keeps the session alive.
 */
export function useRpcQuery<S extends ConsoleService, M extends MethodOf<S>>(
  service: S,
  method: M,
  request: RequestOf<S, M>,
  options: Omit<UseQueryOptions<ResponseOf<S, M>, ProblemError>, "queryKey" | "queryFn"> & {
    background?: boolean;
  } = {},
) {
  const { background = false, ...query } = options;
  return useQuery<ResponseOf<S, M>, ProblemError>({
    queryKey: rpcKey(service, method, request),
    queryFn: ({ signal }) => rpc(service, method, request, { signal, background }),
    ...query,
  });
}

/**
 * A state change through the backend. Each call gets its own idempotency key unless one is given,
 * so a retry after a dropped answer does not act twice; `invalidates` names the services whose
 * cached reads are stale afterwards.
 */
export function useRpcMutation<S extends ConsoleService, M extends MethodOf<S>>(
  service: S,
  method: M,
  options: { invalidates?: readonly ConsoleService[] } = {},
) {
  const queries = useQueryClient();
  return useMutation<ResponseOf<S, M>, ProblemError, { request: RequestOf<S, M> } & CallOptions>({
    mutationFn: ({ request, idempotencyKey, signal }) =>
      rpc(service, method, request, {
        idempotencyKey: idempotencyKey ?? crypto.randomUUID(),
        ...(signal ? { signal } : {}),
      }),
    onSuccess: async () => {
      await Promise.all(
        [service, ...(options.invalidates ?? [])].map((stale) =>
          queries.invalidateQueries({ queryKey: [stale] }),
        ),
      );
    },
  });
}
