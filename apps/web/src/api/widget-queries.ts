import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { ApiError, api, type Schemas, unwrap } from './client';

export type Widget = Schemas['WidgetDto'];
export type WidgetSettings = Widget['settings'];
export type PutWidgetBody = Schemas['PutWidgetDto'];

const widgetKey = (id: string) => ['workspaces', id, 'widget'] as const;

/** The workspace's widget, or null before it was first saved (404 widget_not_found). */
export function useWidget(id: string) {
  return useQuery({
    queryKey: widgetKey(id),
    queryFn: async (): Promise<Widget | null> => {
      try {
        return await unwrap(api.GET('/api/workspaces/{id}/widget', { params: { path: { id } } }));
      } catch (error) {
        if (error instanceof ApiError && error.status === 404) return null;
        throw error;
      }
    },
  });
}

export function useSaveWidget(id: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: PutWidgetBody) =>
      unwrap(api.PUT('/api/workspaces/{id}/widget', { params: { path: { id } }, body })),
    onSuccess: (result) => client.setQueryData(widgetKey(id), result.widget),
  });
}

/** A new identity secret: the answer holds it once (shown, never fetched again). */
export function useRotateWidgetSecret(id: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: () => unwrap(api.POST('/api/workspaces/{id}/widget/identity-secret', { params: { path: { id } } })),
    onSuccess: (result) => client.setQueryData(widgetKey(id), result.widget),
  });
}
