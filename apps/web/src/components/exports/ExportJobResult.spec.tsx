/** @jest-environment jsdom */
import { screen } from '@testing-library/react';
import type { ExportJob } from '../../api/client';
import { renderWithMantine } from '../../test/render';
import { ExportJobResult } from './ExportJobResult';

const preparing: ExportJob = {
  id: '3f2b8c1e-4d5a-4b6c-9d7e-8f9a0b1c2d3e',
  state: 'preparing',
  expiresAt: null,
  conversations: null,
  messages: null,
  bytes: null,
  url: null,
  sha256: null,
  createdAt: '2026-12-01T10:00:00.000Z',
};
const ready: ExportJob = {
  ...preparing,
  state: 'ready',
  expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
  conversations: 3,
  messages: 12,
  bytes: 2048,
  url: 'https://acme.enclave.test/exports/x/export.tar.gz?expires=1&signature=ab',
  sha256: 'c'.repeat(64),
};

describe('ExportJobResult: what the member sees of the export they requested', () => {
  it('says the server is preparing the archive, with no link yet', () => {
    renderWithMantine(<ExportJobResult job={preparing} />);
    expect(screen.getByRole('status').textContent).toBe('Preparing the archive on your server…');
    expect(screen.queryByTestId('export-link')).toBeNull();
  });

  it('shows the link, the counts, the countdown and the checksum once it is ready', () => {
    renderWithMantine(<ExportJobResult job={ready} />);
    expect(screen.getByTestId('export-link').getAttribute('href')).toBe(ready.url);
    expect(screen.getByText('3 conversations · 12 messages · 2.0 KB')).toBeTruthy();
    expect(screen.getByTestId('expiry-countdown').textContent).toMatch(/^Expires in/);
    expect(screen.getByText(`SHA-256 ${ready.sha256}`)).toBeTruthy();
  });

  it('offers no link once it expired, and says why when the server could not build it', () => {
    renderWithMantine(<ExportJobResult job={{ ...ready, state: 'expired', url: null }} />);
    expect(screen.queryByTestId('export-link')).toBeNull();
    expect(screen.getByText('This link has expired. Request a new export.')).toBeTruthy();
    renderWithMantine(<ExportJobResult job={{ ...preparing, state: 'failed' }} />);
    expect(screen.getByRole('alert').textContent).toMatch(/could not build this export/);
  });
});
