import type { ChatTurn } from '../models/model-client';
import type { MessageRow } from '../storage/conversation.repository';

/**
 * Builds the model context from the conversation, newest first in `recentNewestFirst`:
 * takes messages while they fit the character budget (the inbound message always fits,
 * truncated if it must), and returns them oldest first. Unsupported inbound messages and
 * notices are left out; fallback replies are kept so the model sees what the user saw.
 */
export function buildTurns(recentNewestFirst: readonly MessageRow[], charBudget: number): ChatTurn[] {
  const picked: ChatTurn[] = [];
  let used = 0;
  for (const m of recentNewestFirst) {
    if (!m.text || m.kind === 'unsupported' || m.kind === 'notice') continue;
    const role = m.direction === 'in' ? 'user' : 'assistant';
    if (used + m.text.length > charBudget) {
      if (picked.length === 0) picked.push({ role, content: m.text.slice(0, charBudget) });
      break;
    }
    used += m.text.length;
    picked.push({ role, content: m.text });
  }
  return picked.reverse();
}
