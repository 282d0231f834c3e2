/** @jest-environment jsdom */
import { act, fireEvent, screen } from '@testing-library/react';
import { useState } from 'react';
import type { SlugAvailability } from '../api/client';
import { renderWithMantine } from '../test/render';
import { SlugField, type SlugState, slugify } from './SlugField';

function Harness({
  check,
  onState,
}: {
  check: (slug: string) => Promise<SlugAvailability>;
  onState?: (state: SlugState) => void;
}) {
  const [value, setValue] = useState('');
  return <SlugField value={value} onChange={setValue} check={check} onStateChange={onState} debounceMs={200} />;
}

function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

describe('SlugField', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('suggests slugs from names', () => {
    expect(slugify('Acme Support!')).toBe('acme-support');
    expect(slugify('  Café  Crème  ')).toBe('cafe-creme');
    expect(slugify('x'.repeat(50))).toHaveLength(40);
  });

  it('asks the API once typing pauses, lower-cases input and shows availability', async () => {
    const check = jest.fn(async (slug: string) => ({ slug, available: true, reason: null }));
    renderWithMantine(<Harness check={check} />);
    const input = screen.getByRole('textbox', { name: /slug/i });
    fireEvent.change(input, { target: { value: 'A' } });
    fireEvent.change(input, { target: { value: 'Ac' } });
    fireEvent.change(input, { target: { value: 'Acme' } });
    expect((input as HTMLInputElement).value).toBe('acme');
    expect(screen.getByTestId('slug-status').textContent).toBe('Checking…');
    expect(check).not.toHaveBeenCalled();
    await act(async () => {
      jest.advanceTimersByTime(200);
    });
    expect(check).toHaveBeenCalledTimes(1);
    expect(check).toHaveBeenCalledWith('acme');
    expect(screen.getByTestId('slug-status').textContent).toBe('acme.enclave.app is available');
  });

  it("shows the server's reason when the slug is refused, and marks the field invalid", async () => {
    const states: SlugState[] = [];
    renderWithMantine(
      <Harness
        check={async (slug) => ({ slug, available: false, reason: 'Slug is reserved.' })}
        onState={(state) => states.push(state)}
      />,
    );
    const input = screen.getByRole('textbox', { name: /slug/i });
    fireEvent.change(input, { target: { value: 'admin' } });
    await act(async () => {
      jest.advanceTimersByTime(200);
    });
    expect(screen.getByText('Slug is reserved.')).toBeTruthy();
    expect(input.getAttribute('aria-invalid')).toBe('true');
    expect(states.at(-1)).toEqual({ kind: 'unavailable', reason: 'Slug is reserved.' });
  });

  it('drops a stale answer that arrives after the slug changed', async () => {
    const first = deferred<SlugAvailability>();
    const check = jest.fn((slug: string) =>
      slug === 'taken' ? first.promise : Promise.resolve({ slug, available: true, reason: null }),
    );
    renderWithMantine(<Harness check={check} />);
    const input = screen.getByRole('textbox', { name: /slug/i });
    fireEvent.change(input, { target: { value: 'taken' } });
    await act(async () => {
      jest.advanceTimersByTime(200);
    });
    fireEvent.change(input, { target: { value: 'fresh' } });
    await act(async () => {
      jest.advanceTimersByTime(200);
    });
    await act(async () => {
      first.resolve({ slug: 'taken', available: false, reason: 'Slug is already taken.' });
    });
    expect(screen.queryByText('Slug is already taken.')).toBeNull();
    expect(screen.getByTestId('slug-status').textContent).toBe('fresh.enclave.app is available');
  });

  it('reports a failed check as an error on the field', async () => {
    renderWithMantine(<Harness check={() => Promise.reject(new Error('Cannot reach Enclave.'))} />);
    fireEvent.change(screen.getByRole('textbox', { name: /slug/i }), { target: { value: 'acme' } });
    await act(async () => {
      jest.advanceTimersByTime(200);
    });
    expect(screen.getByText('Cannot reach Enclave.')).toBeTruthy();
  });
});
