import type { CustomerWorkspace } from './customer-workspace';
import type { Step } from './journey-steps';
import type { LocalStack } from './local-stack';
import { waitUntil } from './processes';
import { sandboxClient } from './provider-state';

/** An end user writes to the bot on Telegram; the agent's reply (the model's answer) comes back. */
export async function endUserRoundTrip(
  stack: LocalStack,
  step: Step,
  workspace: CustomerWorkspace,
  text: string,
): Promise<string> {
  const { sandbox, postJson } = sandboxClient(stack);
  await step("an end user's message", async () => {
    await postJson(`/telegram/_test/bots/${workspace.botToken}/updates`, { chatId: 777, text });
    return { value: undefined, detail: 'sent to the bot through the Telegram stand-in' };
  });
  return step("the agent's reply", async () => {
    const reply = await waitUntil(
      'the reply',
      async () => {
        const sent = (await sandbox(`/telegram/_test/bots/${workspace.botToken}/sent`)) as {
          messages: Array<{ text: string }>;
        };
        return sent.messages.find((message) => message.text.includes(text))?.text ?? sent.messages.at(-1)?.text;
      },
      60_000,
      300,
    );
    // The sandbox model answers "[model] You said: …": anything else is the node's fallback.
    if (!reply.includes('You said') || !reply.includes(text))
      throw new Error(`the reply is not the model's answer: "${reply}"`);
    return { value: reply, detail: `"${reply.slice(0, 60)}${reply.length > 60 ? '…' : ''}"` };
  });
}
