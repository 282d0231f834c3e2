import { type QueryClient, useQueryClient } from '@tanstack/react-query';
import { EventSource, type FetchLike } from 'eventsource';
import { useEffect, useState } from 'react';
import { inboxKeys } from './inbox-api';
import { usableNodeSession } from './node-session';
import type { InboxEvent } from './protocol';

export type LiveState = 'connecting' | 'live' | 'reconnecting';

const FIRST_REOPEN_DELAY_MS = 2_000;
const LONGEST_REOPEN_DELAY_MS = 60_000;

function applyEvent(client: QueryClient, workspaceId: string, data: string): void {
  let event: InboxEvent;
  try {
    event = JSON.parse(data) as InboxEvent;
  } catch {
    // An event we cannot read still means something changed.
    void client.invalidateQueries({ queryKey: inboxKeys.all(workspaceId) });
    return;
  }
  void client.invalidateQueries({ queryKey: inboxKeys.lists(workspaceId) });
  // An erased conversation is refetched too, so whoever has it open sees that it is gone.
  void client.invalidateQueries({ queryKey: inboxKeys.thread(workspaceId, event.conversationId) });
}

/**
 * Follows the node's inbox events (GET /v1/inbox/events, server-sent) and refreshes the queries
 * each one affects. The `eventsource` package stands in for the browser's EventSource, which
 * cannot send an Authorization header; it reconnects after network trouble by itself, resuming
 * with Last-Event-ID. A refused connection (a 401 once the session expired, a 5xx) closes an
 * EventSource for good, so this opens a new one after a growing delay, with a renewed session
 * after a 401 and the last event id seen, so nothing is missed in between.
 */
export function useInboxEvents(workspaceId: string, nodeUrl: string): LiveState {
  const client = useQueryClient();
  const [state, setState] = useState<LiveState>('connecting');

  useEffect(() => {
    let source: EventSource | null = null;
    let reopenTimer: ReturnType<typeof setTimeout> | undefined;
    let reopenDelay = FIRST_REOPEN_DELAY_MS;
    let lastEventId = '';
    let tokenInUse: string | undefined;
    let rejectedToken: string | undefined;

    const fetchWithSession: FetchLike = async (url, init) => {
      const session = await usableNodeSession(client, workspaceId, rejectedToken);
      tokenInUse = session.token;
      const headers: Record<string, string> = { ...init.headers, Authorization: `Bearer ${session.token}` };
      if (lastEventId && !headers['Last-Event-ID']) headers['Last-Event-ID'] = lastEventId;
      return fetch(url, { ...init, headers, credentials: 'omit' });
    };

    function open(): void {
      const current = new EventSource(`${nodeUrl.replace(/\/$/, '')}/v1/inbox/events`, { fetch: fetchWithSession });
      source = current;
      current.onopen = () => {
        reopenDelay = FIRST_REOPEN_DELAY_MS;
        setState('live');
      };
      current.onmessage = (message: MessageEvent<string>) => {
        if (message.lastEventId) lastEventId = message.lastEventId;
        applyEvent(client, workspaceId, message.data);
      };
      current.onerror = (error) => {
        setState('reconnecting');
        if (current.readyState !== current.CLOSED) return;
        if (error.code === 401) rejectedToken = tokenInUse;
        reopenTimer = setTimeout(open, reopenDelay);
        reopenDelay = Math.min(reopenDelay * 2, LONGEST_REOPEN_DELAY_MS);
      };
    }

    open();
    return () => {
      clearTimeout(reopenTimer);
      source?.close();
    };
  }, [client, workspaceId, nodeUrl]);

  return state;
}
