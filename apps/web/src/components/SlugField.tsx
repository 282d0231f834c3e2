import { Loader, TextInput } from '@mantine/core';
import { useEffect, useState } from 'react';
import type { SlugAvailability } from '../api/client';

export type SlugState =
  | { kind: 'idle' }
  | { kind: 'checking' }
  | { kind: 'available' }
  | { kind: 'unavailable'; reason: string }
  | { kind: 'error'; message: string };

/** Lower-cases a workspace name into a slug suggestion ("Acme Support!" -> "acme-support"). */
export function slugify(name: string): string {
  return name
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40)
    .replace(/-+$/g, '');
}

interface SlugFieldProps {
  value: string;
  onChange(value: string): void;
  /** Asks the API (GET /api/workspaces/slug-availability); the server owns the rules. */
  check(slug: string): Promise<SlugAvailability>;
  onStateChange?(state: SlugState): void;
  zone?: string;
  debounceMs?: number;
}

/** Slug input that checks availability as you type (debounced; stale answers are dropped). */
export function SlugField({
  value,
  onChange,
  check,
  onStateChange,
  zone = 'enclave.app',
  debounceMs = 300,
}: SlugFieldProps) {
  const [state, setState] = useState<SlugState>({ kind: 'idle' });

  useEffect(() => {
    if (!value) {
      setState({ kind: 'idle' });
      return;
    }
    let current = true;
    setState({ kind: 'checking' });
    const timer = setTimeout(() => {
      check(value).then(
        (result) => {
          if (!current) return;
          setState(
            result.available
              ? { kind: 'available' }
              : { kind: 'unavailable', reason: result.reason ?? 'This slug is not available.' },
          );
        },
        (error: unknown) => {
          if (current)
            setState({ kind: 'error', message: error instanceof Error ? error.message : 'Could not check the slug.' });
        },
      );
    }, debounceMs);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [value, check, debounceMs]);

  useEffect(() => {
    onStateChange?.(state);
  }, [state, onStateChange]);

  const description =
    state.kind === 'available' ? (
      <span data-testid="slug-status" style={{ color: 'var(--mantine-color-green-8)' }}>
        {value}.{zone} is available
      </span>
    ) : state.kind === 'checking' ? (
      <span data-testid="slug-status">Checking…</span>
    ) : (
      <span>
        Your agent's address: {value || 'your-slug'}.{zone}
      </span>
    );

  return (
    <TextInput
      label="Slug"
      name="slug"
      required
      autoComplete="off"
      spellCheck={false}
      value={value}
      onChange={(event) => onChange(event.currentTarget.value.toLowerCase())}
      description={description}
      error={state.kind === 'unavailable' ? state.reason : state.kind === 'error' ? state.message : undefined}
      rightSection={state.kind === 'checking' ? <Loader size="xs" aria-hidden /> : null}
      aria-live="polite"
    />
  );
}
