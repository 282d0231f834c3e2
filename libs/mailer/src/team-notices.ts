import type { ControlPlaneConfig } from '@enclave/platform';
import type { WorkspaceEntity } from '@enclave/persistence';

/**
 * Everything a workspace's whole team is told by mail. Conversation content lives on the node
 * only: a team notice carries the workspace's name and a link, never a message, a contact's
 * name or a channel handle.
 */
export type TeamNotice = {
  kind: 'handoff_requested';
  workspace: Pick<WorkspaceEntity, 'id' | 'name'>;
  /** The node's conversation id (an id, safe in a link). */
  conversationId: string;
};

export function composeTeamNotice(
  notice: TeamNotice,
  config: Pick<ControlPlaneConfig, 'PUBLIC_URL'>,
): { subject: string; text: string } {
  const base = config.PUBLIC_URL.replace(/\/+$/, '');
  const link = `${base}/workspaces/${notice.workspace.id}/inbox?conversation=${encodeURIComponent(notice.conversationId)}`;
  return {
    subject: `A conversation is waiting for your team in ${notice.workspace.name}`,
    text:
      `A conversation is waiting for your team: it was handed over to people in the workspace "${notice.workspace.name}".\n\n` +
      `Open it in the inbox: ${link}\n\n` +
      `For privacy, this mail does not include the conversation; it stays on your workspace's own server.\n`,
  };
}
