import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import type { ProvisioningStatus } from './client';
import { keys, workspaceKeys } from './queries';

export interface StepEvent {
  runId: string;
  action: 'provision' | 'deprovision';
  step: string | null;
  status: string;
  attempts: number;
  error: string | null;
  at: string;
}

export type StreamState = 'connecting' | 'live' | 'reconnecting';

/**
 * Follows GET /api/workspaces/:id/provisioning/events (server-sent events): the `snapshot`
 * replaces the cached status, every `step` event is added to the live log and refreshes the
 * status. EventSource reconnects by itself; the state says whether the view is live.
 */
export function useProvisioningEvents(
  workspaceId: string,
  enabled: boolean,
): { events: StepEvent[]; state: StreamState } {
  const client = useQueryClient();
  const [events, setEvents] = useState<StepEvent[]>([]);
  const [state, setState] = useState<StreamState>('connecting');

  useEffect(() => {
    if (!enabled || typeof EventSource === 'undefined') return;
    const source = new EventSource(`/api/workspaces/${workspaceId}/provisioning/events`, { withCredentials: true });
    source.onopen = () => setState('live');
    source.onerror = () => setState('reconnecting');
    source.addEventListener('snapshot', (message) => {
      setState('live');
      client.setQueryData(
        workspaceKeys.provisioning(workspaceId),
        JSON.parse((message as MessageEvent<string>).data) as ProvisioningStatus,
      );
    });
    source.addEventListener('step', (message) => {
      const event = JSON.parse((message as MessageEvent<string>).data) as StepEvent;
      setEvents((previous) => [event, ...previous].slice(0, 200));
      void client.invalidateQueries({ queryKey: workspaceKeys.provisioning(workspaceId) });
      if (event.step === null) {
        void client.invalidateQueries({ queryKey: keys.workspace(workspaceId) });
        void client.invalidateQueries({ queryKey: workspaceKeys.nodeHealth(workspaceId) });
      }
    });
    return () => source.close();
  }, [workspaceId, enabled, client]);

  return { events, state };
}
