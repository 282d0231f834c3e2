import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useNodeCall } from './node-client';

/** The node's knowledge-base routes (agent-node/src/knowledge/knowledge.routes.ts), called with the page's node session. */

export type SourceKind = 'file' | 'url' | 'site' | 'qa';
export type SourceStatus = 'queued' | 'fetching' | 'indexing' | 'ready' | 'failed';

export interface KnowledgeSource {
  id: string;
  kind: SourceKind;
  title: string;
  location: string | null;
  status: SourceStatus;
  error: string | null;
  pages: number;
  chunks: number;
  bytes: number;
  embedded: boolean;
  createdAt: number;
  updatedAt: number;
}

export interface BusinessProfile {
  domain: string;
  text: string;
  status: 'drafting' | 'draft' | 'failed';
  error: string | null;
  published: boolean;
  updatedAt: number;
}

export interface KnowledgeOverview {
  sources: KnowledgeSource[];
  counts: { sources: number; ready: number; failed: number; chunks: number; bytes: number };
  settings: { noAnswer: 'say' | 'handoff' };
  search: 'hybrid' | 'bm25';
  profile: BusinessProfile | null;
}

export type NewSource = { kind: 'url' | 'site'; url: string } | { kind: 'qa'; question: string; answer: string };

export const knowledgeKey = (workspaceId: string) => ['node', workspaceId, 'knowledge'] as const;

const busy = (o: KnowledgeOverview | undefined) =>
  !!o && (o.sources.some((s) => s.status !== 'ready' && s.status !== 'failed') || o.profile?.status === 'drafting');

/** The knowledge base; polled every 1.5 s while a source is being processed or a profile drafted. */
export function useKnowledge(workspaceId: string) {
  const call = useNodeCall(workspaceId);
  return useQuery({
    queryKey: knowledgeKey(workspaceId),
    queryFn: () => call<KnowledgeOverview>('GET', '/v1/knowledge'),
    refetchInterval: (query) => (busy(query.state.data) ? 1_500 : false),
  });
}

function useKnowledgeMutation<V>(
  workspaceId: string,
  run: (call: ReturnType<typeof useNodeCall>, v: V) => Promise<unknown>,
) {
  const call = useNodeCall(workspaceId);
  const client = useQueryClient();
  return useMutation({
    mutationFn: (v: V) => run(call, v),
    onSuccess: () => client.invalidateQueries({ queryKey: knowledgeKey(workspaceId) }),
  });
}

export const useAddSource = (workspaceId: string) =>
  useKnowledgeMutation<NewSource>(workspaceId, (call, body) => call('POST', '/v1/knowledge/sources', body));

/** The file goes from the browser straight to the node, as the request body. */
export const useUploadFile = (workspaceId: string) =>
  useKnowledgeMutation<File>(workspaceId, (call, file) =>
    call('POST', `/v1/knowledge/files?name=${encodeURIComponent(file.name)}`, file),
  );

export const useRefreshSource = (workspaceId: string) =>
  useKnowledgeMutation<string>(workspaceId, (call, id) => call('POST', `/v1/knowledge/sources/${id}/refresh`));

export const useDeleteSource = (workspaceId: string) =>
  useKnowledgeMutation<string>(workspaceId, (call, id) => call('DELETE', `/v1/knowledge/sources/${id}`));

export const useKnowledgeSettings = (workspaceId: string) =>
  useKnowledgeMutation<KnowledgeOverview['settings']>(workspaceId, (call, body) =>
    call('PUT', '/v1/knowledge/settings', body),
  );

export const useDraftProfile = (workspaceId: string) =>
  useKnowledgeMutation<string>(workspaceId, (call, url) => call('POST', '/v1/knowledge/profile/draft', { url }));

export const useSaveProfile = (workspaceId: string) =>
  useKnowledgeMutation<{ text: string; published: boolean }>(workspaceId, (call, body) =>
    call('PUT', '/v1/knowledge/profile', body),
  );
