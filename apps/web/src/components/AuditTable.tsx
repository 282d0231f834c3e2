import { Anchor, Badge, Code, Table, Text } from '@mantine/core';
import { Link } from 'react-router';
import type { AuditEvent } from '../api/client';

const OUTCOME_COLOR = { success: 'green', failure: 'red', denied: 'orange' } as const;

function detailsText(details: Record<string, unknown>): string {
  const entries = Object.entries(details);
  if (entries.length === 0) return '';
  return entries.map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`).join(' ');
}

/** Audit events, newest first; scrolls sideways on narrow screens instead of squeezing. */
export function AuditTable({
  events,
  showWorkspace = true,
  workspaceHref,
}: {
  events: AuditEvent[];
  showWorkspace?: boolean;
  workspaceHref?: (id: string) => string;
}) {
  return (
    <Table.ScrollContainer minWidth={720}>
      <Table striped highlightOnHover verticalSpacing="xs" data-testid="audit-table">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>When</Table.Th>
            <Table.Th>Action</Table.Th>
            <Table.Th>Actor</Table.Th>
            {showWorkspace ? <Table.Th>Workspace</Table.Th> : null}
            <Table.Th>Target</Table.Th>
            <Table.Th>Outcome</Table.Th>
            <Table.Th>Details</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {events.map((event) => (
            <Table.Tr key={event.id} data-action={event.action}>
              <Table.Td>
                <Text size="xs" title={event.occurredAt}>
                  {new Date(event.occurredAt).toLocaleString()}
                </Text>
              </Table.Td>
              <Table.Td>
                <Code>{event.action}</Code>
              </Table.Td>
              <Table.Td>
                <Text size="xs">
                  {event.actorType}
                  {event.actorId ? ` ${event.actorId.slice(0, 8)}` : ''}
                </Text>
                {event.ip ? (
                  <Text size="xs" c="dimmed">
                    {event.ip}
                  </Text>
                ) : null}
              </Table.Td>
              {showWorkspace ? (
                <Table.Td>
                  {event.workspaceId && workspaceHref ? (
                    <Anchor
                      component={Link}
                      to={workspaceHref(event.workspaceId)}
                      size="xs"
                      ff="monospace"
                      title={event.workspaceId}
                    >
                      {event.workspaceId.slice(0, 8)}
                    </Anchor>
                  ) : (
                    <Text size="xs" ff="monospace" title={event.workspaceId ?? ''}>
                      {event.workspaceId ? event.workspaceId.slice(0, 8) : '—'}
                    </Text>
                  )}
                </Table.Td>
              ) : null}
              <Table.Td>
                <Text size="xs">
                  {event.targetType ? `${event.targetType} ${event.targetId?.slice(0, 8) ?? ''}` : '—'}
                </Text>
              </Table.Td>
              <Table.Td miw={96}>
                <Badge size="sm" variant="light" color={OUTCOME_COLOR[event.outcome]} style={{ overflow: 'visible' }}>
                  {event.outcome}
                </Badge>
              </Table.Td>
              <Table.Td>
                <Text size="xs" c="dimmed" style={{ wordBreak: 'break-word' }}>
                  {detailsText(event.details)}
                </Text>
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}
