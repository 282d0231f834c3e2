import { Button, Group, NativeSelect, SimpleGrid, TextInput } from '@mantine/core';
import { type FormEvent, useState } from 'react';
import type { AuditFilter } from '../api/client';

const ACTOR_TYPES = ['user', 'staff', 'system', 'webhook', 'node'] as const;
type ActorType = (typeof ACTOR_TYPES)[number];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ACTION = /^[a-z_.]{1,64}$/;

interface Draft {
  workspaceId: string;
  actorType: string;
  actorId: string;
  action: string;
  from: string;
  to: string;
}

/** ISO instant -> the value a datetime-local input shows (local time, minutes). */
function toLocalInput(iso: string | undefined): string {
  if (!iso) return '';
  const date = new Date(iso);
  const offset = date.getTimezoneOffset() * 60_000;
  return new Date(date.getTime() - offset).toISOString().slice(0, 16);
}

function fromLocalInput(value: string): string | undefined {
  if (!value) return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

/** Checks a draft and turns it into the API's filter, or says which field is wrong. */
export function parseAuditFilter(
  draft: Draft,
  withWorkspace: boolean,
): { filter: AuditFilter; errors: Partial<Record<keyof Draft, string>> } {
  const errors: Partial<Record<keyof Draft, string>> = {};
  const filter: AuditFilter = {};
  const workspaceId = draft.workspaceId.trim();
  if (withWorkspace && workspaceId) {
    if (UUID.test(workspaceId)) filter.workspaceId = workspaceId.toLowerCase();
    else errors.workspaceId = 'A workspace id is a UUID.';
  }
  if (draft.actorType) filter.actorType = draft.actorType as ActorType;
  const actorId = draft.actorId.trim();
  if (actorId) {
    if (actorId.length > 64) errors.actorId = 'At most 64 characters.';
    else filter.actorId = actorId;
  }
  const action = draft.action.trim();
  if (action) {
    if (ACTION.test(action)) filter.action = action;
    else errors.action = 'Lower-case letters, dots and underscores, e.g. "workspace." or "member.invited".';
  }
  const from = fromLocalInput(draft.from);
  const to = fromLocalInput(draft.to);
  if (from) filter.from = from;
  if (to) filter.to = to;
  if (from && to && from > to) errors.to = '"To" must be after "From".';
  return { filter, errors };
}

interface AuditFilterBarProps {
  value: AuditFilter;
  onApply(filter: AuditFilter): void;
  /** Staff console filters across workspaces; a workspace's own trail does not. */
  withWorkspace?: boolean;
}

export function AuditFilterBar({ value, onApply, withWorkspace = true }: AuditFilterBarProps) {
  const initial: Draft = {
    workspaceId: value.workspaceId ?? '',
    actorType: value.actorType ?? '',
    actorId: value.actorId ?? '',
    action: value.action ?? '',
    from: toLocalInput(value.from),
    to: toLocalInput(value.to),
  };
  const [draft, setDraft] = useState<Draft>(initial);
  const [errors, setErrors] = useState<Partial<Record<keyof Draft, string>>>({});
  const set = (key: keyof Draft) => (event: { currentTarget: { value: string } }) => {
    const next = event.currentTarget.value;
    setDraft((previous) => ({ ...previous, [key]: next }));
  };

  function submit(event: FormEvent) {
    event.preventDefault();
    const parsed = parseAuditFilter(draft, withWorkspace);
    setErrors(parsed.errors);
    if (Object.keys(parsed.errors).length === 0) onApply(parsed.filter);
  }

  function clear() {
    const empty: Draft = { workspaceId: '', actorType: '', actorId: '', action: '', from: '', to: '' };
    setDraft(empty);
    setErrors({});
    onApply({});
  }

  return (
    <form onSubmit={submit} aria-label="Audit filters" noValidate>
      <SimpleGrid cols={{ base: 1, sm: 2, lg: withWorkspace ? 3 : 3 }} spacing="sm">
        {withWorkspace ? (
          <TextInput
            label="Workspace id"
            name="workspaceId"
            placeholder="UUID"
            value={draft.workspaceId}
            onChange={set('workspaceId')}
            error={errors.workspaceId}
          />
        ) : null}
        <NativeSelect
          label="Actor type"
          name="actorType"
          value={draft.actorType}
          onChange={set('actorType')}
          data={[{ value: '', label: 'Any' }, ...ACTOR_TYPES.map((type) => ({ value: type, label: type }))]}
        />
        <TextInput
          label="Actor id"
          name="actorId"
          placeholder="user id"
          value={draft.actorId}
          onChange={set('actorId')}
          error={errors.actorId}
        />
        <TextInput
          label="Action"
          name="action"
          placeholder='e.g. "workspace." or "member.invited"'
          value={draft.action}
          onChange={set('action')}
          error={errors.action}
        />
        <TextInput
          type="datetime-local"
          label="From"
          name="from"
          value={draft.from}
          onChange={set('from')}
          error={errors.from}
        />
        <TextInput type="datetime-local" label="To" name="to" value={draft.to} onChange={set('to')} error={errors.to} />
      </SimpleGrid>
      <Group mt="sm" gap="sm">
        <Button type="submit">Apply filters</Button>
        <Button type="button" variant="default" onClick={clear}>
          Clear
        </Button>
      </Group>
    </form>
  );
}
