import type { TranscriptConversation, TranscriptLine } from './transcript.repository';

const CHANNEL_NAMES: Record<string, string> = {
  telegram: 'Telegram',
  whatsapp: 'WhatsApp',
  web: 'website chat',
  api: 'chat API',
};

const stamp = (ms: number) => new Date(ms).toISOString().replace('T', ' ').slice(0, 19) + ' UTC';

/** The mail the owner's inbox receives: a plain-text transcript (content only ever leaves from the node). */
export function composeTranscript(
  conversation: TranscriptConversation,
  lines: readonly TranscriptLine[],
  reason: 'resolved' | 'idle',
): { subject: string; text: string } {
  const channel = CHANNEL_NAMES[conversation.channelType] ?? conversation.channelType;
  const contact = conversation.contactName ?? conversation.contactHandle ?? 'a contact';
  const who = (l: TranscriptLine) =>
    l.direction === 'in' ? contact : l.authorId ? `Team (${l.authorId})` : l.kind === 'notice' ? 'Notice' : 'Agent';
  const header = [
    `Conversation ${conversation.id} on ${channel} (channel ${conversation.channelId})`,
    `Contact: ${[conversation.contactName, conversation.contactHandle].filter(Boolean).join(' · ') || 'unknown'}`,
    `Started: ${stamp(conversation.createdAt)}`,
    reason === 'resolved' ? 'Sent because the conversation was resolved.' : 'Sent because the conversation went quiet.',
  ];
  const body = lines.map((l) => `[${stamp(l.createdAt)}] ${who(l)}: ${l.text ?? `(${l.kind})`}`);
  return {
    subject: `Transcript: ${contact} on ${channel}`,
    text: [...header, '', ...body, ''].join('\n'),
  };
}
