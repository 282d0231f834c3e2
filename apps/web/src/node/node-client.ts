import { type QueryClient, useQueryClient } from '@tanstack/react-query';
import { useCallback } from 'react';
import { ApiError, toApiError } from '../api/client';
import { type NodeSession, usableNodeSession } from './node-session';

export type NodeMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

function send(session: NodeSession, method: NodeMethod, path: string, body: unknown): Promise<Response> {
  const headers: Record<string, string> = { Accept: 'application/json', Authorization: `Bearer ${session.token}` };
  // A Blob (a file the user picked) goes as it is: uploads to the node are raw bodies.
  const raw = body instanceof Blob;
  if (body !== undefined) headers['Content-Type'] = raw ? 'application/octet-stream' : 'application/json';
  return fetch(`${session.nodeUrl.replace(/\/$/, '')}${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : raw ? body : JSON.stringify(body),
    // The node knows the browser by its bearer token only; the dashboard's cookies are not its business.
    credentials: 'omit',
  });
}

function nodeError(payload: unknown, response: Response): ApiError {
  const error = toApiError(payload, response);
  if (response.status === 403) return new ApiError(403, error.code, "Your role can't do this.", error.details);
  if (response.status === 401)
    return new ApiError(
      401,
      error.code,
      'Your server did not accept your session. Reload the page to sign in to it again.',
    );
  return error;
}

/**
 * One call to the workspace's node with the current session. A 401 (the session expired or the
 * node rejected it) renews the session once and retries; a second 401 is an error.
 */
export async function callNode<T>(
  client: QueryClient,
  workspaceId: string,
  method: NodeMethod,
  path: string,
  body?: unknown,
): Promise<T> {
  let session = await usableNodeSession(client, workspaceId);
  let response: Response;
  try {
    response = await send(session, method, path, body);
    if (response.status === 401) {
      session = await usableNodeSession(client, workspaceId, session.token);
      response = await send(session, method, path, body);
    }
  } catch (error) {
    if (error instanceof ApiError) throw error;
    throw new ApiError(
      0,
      'network',
      `Cannot reach your server (${new URL(session.nodeUrl).host}). Check your connection and try again.`,
    );
  }
  const payload: unknown = await response.json().catch(() => null);
  if (!response.ok) throw nodeError(payload, response);
  return payload as T;
}

export type NodeCall = <T>(method: NodeMethod, path: string, body?: unknown) => Promise<T>;

/** `callNode` bound to this workspace and the page's query client. */
export function useNodeCall(workspaceId: string): NodeCall {
  const client = useQueryClient();
  return useCallback(
    <T>(method: NodeMethod, path: string, body?: unknown) => callNode<T>(client, workspaceId, method, path, body),
    [client, workspaceId],
  );
}
