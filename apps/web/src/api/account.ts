import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, type Schemas, unwrap } from './client';
import { keys } from './queries';

export type Account = Schemas['AccountDto'];
export type AccountExport = Schemas['AccountExportDto'];

export const accountKeys = {
  account: ['account'] as const,
  exports: ['account', 'exports'] as const,
};

export function useAccount() {
  return useQuery({ queryKey: accountKeys.account, queryFn: () => unwrap(api.GET('/api/account')) });
}

/** Exports refresh every 2 s while one is being built on the worker. */
export function useAccountExports() {
  return useQuery({
    queryKey: accountKeys.exports,
    queryFn: () => unwrap(api.GET('/api/account/exports')),
    refetchInterval: (query) => (query.state.data?.some((e) => e.status === 'pending') ? 2_000 : false),
  });
}

/** Every account mutation refreshes the account (and the header's name). */
export function useAccountMutation<T>(mutationFn: (input: T) => Promise<unknown>) {
  const client = useQueryClient();
  return useMutation({
    mutationFn,
    onSuccess: () => {
      void client.invalidateQueries({ queryKey: accountKeys.account });
      void client.invalidateQueries({ queryKey: keys.me });
    },
  });
}
