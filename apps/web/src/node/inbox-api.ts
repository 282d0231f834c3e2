import { type InfiniteData, useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type NodeCall, useNodeCall } from './node-client';
import type {
  ConversationSummary,
  ConversationThread,
  InboxFilter,
  InboxMessage,
  InboxNote,
  SavedReply,
  SavedReplyInput,
  UpdateConversation,
} from './protocol';

/** The node's inbox routes (libs/node-protocol/src/inbox.ts), called with the page's node session. */

export interface ConversationPage {
  conversations: ConversationSummary[];
  nextCursor: string | null;
}
export interface InboxSettings {
  handoffPhrases: string[];
  handoffMessage: string;
  handbackMessage: string;
}
export type ListFilter = Omit<InboxFilter, 'before' | 'limit'>;
export type ConversationCommand = 'takeover' | 'handback' | 'trash' | 'restore';

export const inboxKeys = {
  all: (workspaceId: string) => ['node', workspaceId, 'inbox'] as const,
  lists: (workspaceId: string) => ['node', workspaceId, 'inbox', 'conversations'] as const,
  list: (workspaceId: string, filter: ListFilter) => ['node', workspaceId, 'inbox', 'conversations', filter] as const,
  thread: (workspaceId: string, id: string) => ['node', workspaceId, 'inbox', 'thread', id] as const,
  savedReplies: (workspaceId: string) => ['node', workspaceId, 'inbox', 'saved-replies'] as const,
  settings: (workspaceId: string) => ['node', workspaceId, 'inbox', 'settings'] as const,
};

const PAGE_SIZE = '30';
const conversationPath = (id: string) => `/v1/inbox/conversations/${encodeURIComponent(id)}`;

function queryString(filter: Record<string, string | undefined>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(filter)) if (value) params.set(key, value);
  return params.toString();
}

export function useConversations(workspaceId: string, filter: ListFilter) {
  const call = useNodeCall(workspaceId);
  return useInfiniteQuery({
    queryKey: inboxKeys.list(workspaceId, filter),
    queryFn: ({ pageParam }) =>
      call<ConversationPage>(
        'GET',
        `/v1/inbox/conversations?${queryString({ ...filter, before: pageParam ?? undefined, limit: PAGE_SIZE })}`,
      ),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor,
  });
}

/** Opening a thread marks it read on the node; the cached lists follow without a refetch. */
export function useThread(workspaceId: string, conversationId: string) {
  const call = useNodeCall(workspaceId);
  const client = useQueryClient();
  return useQuery({
    queryKey: inboxKeys.thread(workspaceId, conversationId),
    queryFn: async () => {
      const thread = await call<ConversationThread>('GET', conversationPath(conversationId));
      client.setQueriesData<InfiniteData<ConversationPage>>({ queryKey: inboxKeys.lists(workspaceId) }, (data) =>
        data
          ? {
              ...data,
              pages: data.pages.map((page) => ({
                ...page,
                conversations: page.conversations.map((item) =>
                  item.id === conversationId ? { ...item, unread: 0 } : item,
                ),
              })),
            }
          : data,
      );
      return thread;
    },
  });
}

/** A change to one conversation: its thread and every list are refreshed afterwards. */
function useConversationMutation<Input, Output>(
  workspaceId: string,
  conversationId: string,
  run: (call: NodeCall, input: Input) => Promise<Output>,
) {
  const call = useNodeCall(workspaceId);
  const client = useQueryClient();
  return useMutation({
    mutationFn: (input: Input) => run(call, input),
    onSuccess: () => {
      void client.invalidateQueries({ queryKey: inboxKeys.thread(workspaceId, conversationId) });
      void client.invalidateQueries({ queryKey: inboxKeys.lists(workspaceId) });
    },
  });
}

export function useSendReply(workspaceId: string, conversationId: string) {
  return useConversationMutation(workspaceId, conversationId, (call, text: string) =>
    call<{ message: InboxMessage }>('POST', `${conversationPath(conversationId)}/messages`, { text }),
  );
}

export function useAddNote(workspaceId: string, conversationId: string) {
  return useConversationMutation(workspaceId, conversationId, (call, text: string) =>
    call<{ note: InboxNote }>('POST', `${conversationPath(conversationId)}/notes`, { text }),
  );
}

export function useUpdateConversation(workspaceId: string, conversationId: string) {
  return useConversationMutation(workspaceId, conversationId, (call, change: UpdateConversation) =>
    call<{ conversation: ConversationSummary }>('PATCH', conversationPath(conversationId), change),
  );
}

/** Take over, hand back, move to trash, restore. */
export function useConversationCommand(workspaceId: string, conversationId: string) {
  return useConversationMutation(workspaceId, conversationId, (call, command: ConversationCommand) =>
    call<{ conversation: ConversationSummary }>('POST', `${conversationPath(conversationId)}/${command}`),
  );
}

/** Permanent: the thread is dropped from the cache rather than refetched. */
export function useEraseConversation(workspaceId: string, conversationId: string) {
  const call = useNodeCall(workspaceId);
  const client = useQueryClient();
  return useMutation({
    mutationFn: () => call<{ erased: true; messages: number }>('DELETE', conversationPath(conversationId)),
    onSuccess: () => {
      client.removeQueries({ queryKey: inboxKeys.thread(workspaceId, conversationId) });
      void client.invalidateQueries({ queryKey: inboxKeys.lists(workspaceId) });
    },
  });
}

export function useSavedReplies(workspaceId: string) {
  const call = useNodeCall(workspaceId);
  return useQuery({
    queryKey: inboxKeys.savedReplies(workspaceId),
    queryFn: async () => (await call<{ savedReplies: SavedReply[] }>('GET', '/v1/inbox/saved-replies')).savedReplies,
    staleTime: 60_000,
  });
}

export type SavedReplyChange =
  | { kind: 'create'; input: SavedReplyInput }
  | { kind: 'update'; id: number; input: SavedReplyInput }
  | { kind: 'delete'; id: number };

export function useChangeSavedReply(workspaceId: string) {
  const call = useNodeCall(workspaceId);
  const client = useQueryClient();
  return useMutation({
    mutationFn: (change: SavedReplyChange) => {
      if (change.kind === 'create') return call<unknown>('POST', '/v1/inbox/saved-replies', change.input);
      const path = `/v1/inbox/saved-replies/${change.id}`;
      return change.kind === 'update' ? call<unknown>('PUT', path, change.input) : call<unknown>('DELETE', path);
    },
    onSuccess: () => client.invalidateQueries({ queryKey: inboxKeys.savedReplies(workspaceId) }),
  });
}

export function useInboxSettings(workspaceId: string) {
  const call = useNodeCall(workspaceId);
  return useQuery({
    queryKey: inboxKeys.settings(workspaceId),
    queryFn: () => call<InboxSettings>('GET', '/v1/inbox/settings'),
  });
}

export function useSaveInboxSettings(workspaceId: string) {
  const call = useNodeCall(workspaceId);
  const client = useQueryClient();
  return useMutation({
    mutationFn: (settings: InboxSettings) => call<unknown>('PUT', '/v1/inbox/settings', settings),
    onSuccess: () => client.invalidateQueries({ queryKey: inboxKeys.settings(workspaceId) }),
  });
}
