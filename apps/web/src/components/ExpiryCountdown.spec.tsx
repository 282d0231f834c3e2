/** @jest-environment jsdom */
import { act, screen } from '@testing-library/react';
import { renderWithMantine } from '../test/render';
import { ExpiryCountdown, formatRemaining } from './ExpiryCountdown';

describe('ExpiryCountdown', () => {
  beforeEach(() => {
    jest.useFakeTimers();
    jest.setSystemTime(new Date('2026-01-01T12:00:00Z'));
  });
  afterEach(() => jest.useRealTimers());

  it('formats the remaining time coarsely when far away', () => {
    expect(formatRemaining(65_000)).toBe('1m 05s');
    expect(formatRemaining(3_720_000)).toBe('1h 02m');
    expect(formatRemaining(2 * 86_400_000 + 3 * 3_600_000)).toBe('2d 3h');
    expect(formatRemaining(-5)).toBe('0m 00s');
  });

  it('ticks every second, then says the link expired and calls onExpire once', () => {
    const onExpire = jest.fn();
    renderWithMantine(<ExpiryCountdown expiresAt="2026-01-01T12:00:03Z" onExpire={onExpire} />);
    const timer = screen.getByTestId('expiry-countdown');
    expect(timer.textContent).toBe('Expires in 0m 03s');
    act(() => {
      jest.advanceTimersByTime(1000);
    });
    expect(timer.textContent).toBe('Expires in 0m 02s');
    expect(onExpire).not.toHaveBeenCalled();
    act(() => {
      jest.advanceTimersByTime(5000);
    });
    expect(timer.textContent).toBe('Link expired');
    expect(onExpire).toHaveBeenCalledTimes(1);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('shows an already expired link as expired', () => {
    renderWithMantine(<ExpiryCountdown expiresAt="2026-01-01T11:00:00Z" />);
    expect(screen.getByTestId('expiry-countdown').textContent).toBe('Link expired');
  });
});
