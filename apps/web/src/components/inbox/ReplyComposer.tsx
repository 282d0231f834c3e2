import { Box, Button, Group, Paper, Stack, Switch, Text, Textarea } from '@mantine/core';
import { type FormEvent, type KeyboardEvent, type ReactNode, useId, useRef, useState } from 'react';
import { errorMessage } from '../../api/client';
import { humanReplySchema, noteSchema, type SavedReply } from '../../node/protocol';
import {
  fillVariables,
  insertAt,
  matchSavedReplies,
  type ReplyVariables,
  type ShortcodeQuery,
  shortcodeAt,
} from './saved-reply-text';

interface ReplyComposerProps {
  savedReplies: readonly SavedReply[];
  /** Values for the saved replies' `{{placeholders}}`. */
  variables: ReplyVariables;
  onSend(text: string): Promise<unknown>;
  onNote(text: string): Promise<unknown>;
  /** Shown under the box in reply mode (e.g. that the agent is still answering). */
  replyHint?: ReactNode;
}

/**
 * The reply box: a message to the end user, or an internal note for the team. Typing `/` and
 * letters lists matching saved replies (arrows, Enter or Tab to insert, Escape to close);
 * Ctrl/⌘+Enter sends.
 */
export function ReplyComposer({ savedReplies, variables, onSend, onNote, replyHint }: ReplyComposerProps) {
  const listId = useId();
  const input = useRef<HTMLTextAreaElement>(null);
  const [text, setText] = useState('');
  const [noteMode, setNoteMode] = useState(false);
  const [query, setQuery] = useState<ShortcodeQuery | null>(null);
  const [active, setActive] = useState(0);
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<string | null>(null);
  const matches = query ? matchSavedReplies(savedReplies, query.partial) : [];
  const open = matches.length > 0;

  function track(value: string, caret: number) {
    setQuery(shortcodeAt(value, caret));
    setActive(0);
  }

  function choose(reply: SavedReply) {
    if (!query) return;
    const next = insertAt(text, query, fillVariables(reply.text, variables));
    setText(next.text);
    setQuery(null);
    // The caret moves after React has put the new text in the box.
    requestAnimationFrame(() => {
      input.current?.focus();
      input.current?.setSelectionRange(next.caret, next.caret);
    });
  }

  async function submit(event?: FormEvent) {
    event?.preventDefault();
    const checked = (noteMode ? noteSchema : humanReplySchema).safeParse({ text });
    if (!checked.success) {
      setFailure(`The ${noteMode ? 'note' : 'reply'} ${checked.error.issues[0]?.message ?? 'is not valid'}.`);
      return;
    }
    setBusy(true);
    setFailure(null);
    try {
      await (noteMode ? onNote : onSend)(text);
      setText('');
    } catch (error) {
      setFailure(errorMessage(error));
    } finally {
      setBusy(false);
    }
  }

  function keyDown(event: KeyboardEvent<HTMLTextAreaElement>) {
    if (open && (event.key === 'ArrowDown' || event.key === 'ArrowUp')) {
      event.preventDefault();
      const step = event.key === 'ArrowDown' ? 1 : -1;
      setActive((current) => (current + step + matches.length) % matches.length);
    } else if (open && (event.key === 'Enter' || event.key === 'Tab')) {
      event.preventDefault();
      choose(matches[active]);
    } else if (open && event.key === 'Escape') {
      event.preventDefault();
      setQuery(null);
    } else if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      void submit();
    }
  }

  return (
    <form onSubmit={(event) => void submit(event)}>
      <Stack gap="xs">
        <Switch
          size="sm"
          label="Internal note"
          checked={noteMode}
          onChange={(event) => setNoteMode(event.currentTarget.checked)}
        />
        <Box pos="relative">
          <Textarea
            ref={input}
            label="Reply"
            description={
              noteMode
                ? 'An internal note: only your team sees it, it is never sent.'
                : 'Type / for saved replies. Ctrl+Enter sends.'
            }
            autosize
            minRows={3}
            maxRows={10}
            value={text}
            styles={noteMode ? { input: { background: 'var(--mantine-color-yellow-0)' } } : undefined}
            onChange={(event) => {
              setText(event.currentTarget.value);
              track(event.currentTarget.value, event.currentTarget.selectionStart);
            }}
            onSelect={(event) => track(event.currentTarget.value, event.currentTarget.selectionStart)}
            onBlur={() => setQuery(null)}
            onKeyDown={keyDown}
            aria-autocomplete="list"
            aria-controls={open ? listId : undefined}
            aria-expanded={open}
            aria-activedescendant={open ? `${listId}-${active}` : undefined}
          />
          {open ? (
            <Paper
              withBorder
              shadow="md"
              role="listbox"
              id={listId}
              aria-label="Saved replies"
              pos="absolute"
              left={0}
              right={0}
              style={{ zIndex: 10, top: '100%' }}
            >
              {matches.map((reply, index) => (
                <Box
                  key={reply.id}
                  id={`${listId}-${index}`}
                  role="option"
                  aria-selected={index === active}
                  px="sm"
                  py={6}
                  bg={index === active ? 'indigo.0' : undefined}
                  style={{ cursor: 'pointer' }}
                  // mousedown, not click: the box keeps focus (and its caret) while the reply goes in.
                  onMouseDown={(event) => {
                    event.preventDefault();
                    choose(reply);
                  }}
                >
                  <Text size="sm" ff="monospace">
                    /{reply.shortcode}
                  </Text>
                  <Text size="xs" c="dimmed" lineClamp={1}>
                    {reply.text}
                  </Text>
                </Box>
              ))}
            </Paper>
          ) : null}
        </Box>
        {!noteMode && replyHint ? (
          <Text size="xs" c="dimmed">
            {replyHint}
          </Text>
        ) : null}
        {failure ? (
          <Text size="sm" c="red" role="alert">
            {failure}
          </Text>
        ) : null}
        <Group justify="flex-end">
          <Button type="submit" loading={busy} color={noteMode ? 'yellow' : undefined} disabled={!text.trim()}>
            {noteMode ? 'Add note' : 'Send'}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
