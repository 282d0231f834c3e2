/** @jest-environment jsdom */
import { fireEvent, screen } from '@testing-library/react';
import { renderWithMantine } from '../test/render';
import { AuditFilterBar, parseAuditFilter } from './AuditFilterBar';

const WORKSPACE = '3f2b8c1e-4d5a-4b6c-9d7e-8f9a0b1c2d3e';
const empty = { workspaceId: '', actorType: '', actorId: '', action: '', from: '', to: '' };

describe('AuditFilterBar', () => {
  it('turns the fields into the API filter, leaving out blanks', () => {
    const { filter, errors } = parseAuditFilter(
      { ...empty, workspaceId: ` ${WORKSPACE.toUpperCase()} `, actorType: 'staff', action: 'workspace.' },
      true,
    );
    expect(errors).toEqual({});
    expect(filter).toEqual({ workspaceId: WORKSPACE, actorType: 'staff', action: 'workspace.' });
  });

  it('converts the local time range to ISO instants and refuses an inverted one', () => {
    const ok = parseAuditFilter({ ...empty, from: '2026-01-01T10:00', to: '2026-01-02T10:00' }, true);
    expect(ok.filter.from).toBe(new Date('2026-01-01T10:00').toISOString());
    expect(ok.filter.to).toBe(new Date('2026-01-02T10:00').toISOString());
    expect(parseAuditFilter({ ...empty, from: '2026-01-02T10:00', to: '2026-01-01T10:00' }, true).errors.to).toMatch(
      /after/,
    );
  });

  it('applies valid filters on submit (Enter in a field submits, like any form)', () => {
    const onApply = jest.fn();
    renderWithMantine(<AuditFilterBar value={{}} onApply={onApply} />);
    fireEvent.change(screen.getByLabelText('Workspace id'), { target: { value: WORKSPACE } });
    fireEvent.change(screen.getByLabelText('Actor type'), { target: { value: 'user' } });
    fireEvent.change(screen.getByLabelText('Action'), { target: { value: 'invitation.created' } });
    fireEvent.submit(screen.getByRole('form', { name: 'Audit filters' }));
    expect(onApply).toHaveBeenCalledWith({ workspaceId: WORKSPACE, actorType: 'user', action: 'invitation.created' });
  });

  it('shows field errors and does not apply a malformed filter', () => {
    const onApply = jest.fn();
    renderWithMantine(<AuditFilterBar value={{}} onApply={onApply} />);
    fireEvent.change(screen.getByLabelText('Workspace id'), { target: { value: 'not-a-uuid' } });
    fireEvent.change(screen.getByLabelText('Action'), { target: { value: 'DROP TABLE' } });
    fireEvent.click(screen.getByRole('button', { name: 'Apply filters' }));
    expect(onApply).not.toHaveBeenCalled();
    expect(screen.getByText('A workspace id is a UUID.')).toBeTruthy();
    expect(screen.getByText(/Lower-case letters, dots and underscores/)).toBeTruthy();
    expect(screen.getByLabelText('Workspace id').getAttribute('aria-invalid')).toBe('true');
  });

  it('starts from the current filter and clears back to none', () => {
    const onApply = jest.fn();
    renderWithMantine(<AuditFilterBar value={{ workspaceId: WORKSPACE, action: 'billing.' }} onApply={onApply} />);
    expect((screen.getByLabelText('Workspace id') as HTMLInputElement).value).toBe(WORKSPACE);
    fireEvent.click(screen.getByRole('button', { name: 'Clear' }));
    expect(onApply).toHaveBeenCalledWith({});
    expect((screen.getByLabelText('Action') as HTMLInputElement).value).toBe('');
  });

  it('hides the workspace field on a workspace’s own trail', () => {
    renderWithMantine(<AuditFilterBar value={{}} onApply={() => undefined} withWorkspace={false} />);
    expect(screen.queryByLabelText('Workspace id')).toBeNull();
  });
});
