/** @jest-environment jsdom */
import { act, fireEvent, screen } from '@testing-library/react';
import type { SavedReply } from '../../node/protocol';
import { renderWithMantine } from '../../test/render';
import { ReplyComposer } from './ReplyComposer';
import { fillVariables, insertAt, matchSavedReplies, shortcodeAt } from './saved-reply-text';

const reply = (id: number, shortcode: string, text: string): SavedReply => ({
  id,
  shortcode,
  text,
  updatedAt: '2026-03-01T12:00:00Z',
});
const REPLIES = [
  reply(1, 'thanks', 'Thank you, {{contact.name}}!'),
  reply(2, 'greet', 'Hello {{contact.name}}, this is {{me.name}} on {{channel}}.'),
  reply(3, 'regret', 'Sorry about that.'),
  reply(4, 'hours', 'We are open 9-17.'),
];

describe('saved reply completion', () => {
  it('finds the shortcode typed at the caret, only after a space or at the start', () => {
    expect(shortcodeAt('/gr', 3)).toEqual({ start: 0, end: 3, partial: 'gr' });
    expect(shortcodeAt('Hi /Th', 6)).toEqual({ start: 3, end: 6, partial: 'th' });
    expect(shortcodeAt('line one\n/', 10)).toEqual({ start: 9, end: 10, partial: '' });
    expect(shortcodeAt('/greet and more', 6)).toEqual({ start: 0, end: 6, partial: 'greet' });
    expect(shortcodeAt('and/or', 6)).toBeNull();
    expect(shortcodeAt('see https://x.example/gr', 24)).toBeNull();
    expect(shortcodeAt('/gr ', 4)).toBeNull();
    expect(shortcodeAt('/gr!', 4)).toBeNull();
  });

  it('lists replies starting with the partial first, then those containing it', () => {
    expect(matchSavedReplies(REPLIES, 'gre').map((r) => r.shortcode)).toEqual(['greet', 'regret']);
    expect(matchSavedReplies(REPLIES, '').map((r) => r.shortcode)).toEqual(['greet', 'hours', 'regret', 'thanks']);
    expect(matchSavedReplies(REPLIES, 'zz')).toEqual([]);
    expect(matchSavedReplies(REPLIES, '', 2)).toHaveLength(2);
  });

  it('fills known placeholders and leaves unknown or empty ones to be filled in by hand', () => {
    const variables = { 'contact.name': 'Ada', 'me.name': 'Grace', channel: 'Telegram', 'contact.handle': null };
    expect(fillVariables(REPLIES[1].text, variables)).toBe('Hello Ada, this is Grace on Telegram.');
    expect(fillVariables('{{ contact.name }} / {{Contact.Name}}', variables)).toBe('Ada / Ada');
    expect(fillVariables('Hi {{contact.handle}} {{order.id}}', variables)).toBe('Hi {{contact.handle}} {{order.id}}');
  });

  it('replaces the typed shortcode and puts the caret after the inserted text', () => {
    const text = 'Hi! /gr and bye';
    const query = shortcodeAt(text, 7);
    expect(query).not.toBeNull();
    if (query) expect(insertAt(text, query, 'Hello')).toEqual({ text: 'Hi! Hello and bye', caret: 9 });
  });
});

describe('ReplyComposer', () => {
  function setup() {
    const onSend = jest.fn(async () => undefined);
    const onNote = jest.fn(async () => undefined);
    renderWithMantine(
      <ReplyComposer
        savedReplies={REPLIES}
        variables={{ 'contact.name': 'Ada', 'me.name': 'Grace', channel: 'Telegram' }}
        onSend={onSend}
        onNote={onNote}
      />,
    );
    return { onSend, onNote, box: screen.getByRole('textbox', { name: 'Reply' }) };
  }

  it('completes /shortcodes from saved replies with the placeholders filled', async () => {
    const { box, onSend } = setup();
    fireEvent.change(box, { target: { value: '/gre' } });
    const options = screen.getAllByRole('option');
    expect(options.map((option) => option.textContent)).toEqual([
      expect.stringContaining('/greet'),
      expect.stringContaining('/regret'),
    ]);
    fireEvent.keyDown(box, { key: 'Enter' });
    expect(box).toHaveProperty('value', 'Hello Ada, this is Grace on Telegram.');
    expect(screen.queryByRole('listbox')).toBeNull();
    expect(onSend).not.toHaveBeenCalled();

    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: 'Send' }));
    });
    expect(onSend).toHaveBeenCalledWith('Hello Ada, this is Grace on Telegram.');
    expect(box).toHaveProperty('value', '');
  });

  it('moves through the list with the arrows and closes it with Escape', () => {
    const { box } = setup();
    fireEvent.change(box, { target: { value: 'Sure. /' } });
    expect(screen.getAllByRole('option')).toHaveLength(4);
    fireEvent.keyDown(box, { key: 'ArrowDown' });
    expect(screen.getAllByRole('option')[1].getAttribute('aria-selected')).toBe('true');
    fireEvent.keyDown(box, { key: 'Escape' });
    expect(screen.queryByRole('listbox')).toBeNull();
    fireEvent.change(box, { target: { value: 'Sure. /th' } });
    fireEvent.mouseDown(screen.getByRole('option', { name: /thanks/ }));
    expect(box).toHaveProperty('value', 'Sure. Thank you, Ada!');
  });

  it('adds an internal note instead of sending when the toggle is on, and keeps text that failed', async () => {
    const { box, onSend, onNote } = setup();
    fireEvent.click(screen.getByRole('switch', { name: 'Internal note' }));
    fireEvent.change(box, { target: { value: 'Customer is a VIP' } });
    onNote.mockRejectedValueOnce(new Error('Your role can’t do this.'));
    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: 'Add note' }));
    });
    expect(onNote).toHaveBeenCalledWith('Customer is a VIP');
    expect(onSend).not.toHaveBeenCalled();
    expect(screen.getByRole('alert').textContent).toBe('Your role can’t do this.');
    expect(box).toHaveProperty('value', 'Customer is a VIP');
  });
});
