import { Text } from '@mantine/core';
import { useEffect, useState } from 'react';

/** "4m 05s", "1h 02m", "2d 3h": the remaining time, coarse when far away. */
export function formatRemaining(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const days = Math.floor(total / 86_400);
  const hours = Math.floor((total % 86_400) / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = total % 60;
  if (days > 0) return `${days}d ${hours}h`;
  if (hours > 0) return `${hours}h ${String(minutes).padStart(2, '0')}m`;
  return `${minutes}m ${String(seconds).padStart(2, '0')}s`;
}

interface ExpiryCountdownProps {
  expiresAt: string | Date;
  onExpire?(): void;
  now?: () => number;
}

/** Ticks every second until the link expires, then says so (and calls onExpire once). */
export function ExpiryCountdown({ expiresAt, onExpire, now = Date.now }: ExpiryCountdownProps) {
  const deadline = new Date(expiresAt).getTime();
  const [remaining, setRemaining] = useState(() => deadline - now());

  useEffect(() => {
    setRemaining(deadline - now());
    if (deadline - now() <= 0) return;
    const timer = setInterval(() => {
      const left = deadline - now();
      setRemaining(left);
      if (left <= 0) clearInterval(timer);
    }, 1000);
    return () => clearInterval(timer);
  }, [deadline, now]);

  const expired = remaining <= 0;
  useEffect(() => {
    if (expired) onExpire?.();
  }, [expired, onExpire]);

  return (
    <Text
      component="span"
      size="sm"
      c={expired ? 'red' : remaining < 60_000 ? 'orange' : 'dimmed'}
      role="timer"
      aria-live="off"
      data-testid="expiry-countdown"
    >
      {expired ? 'Link expired' : `Expires in ${formatRemaining(remaining)}`}
    </Text>
  );
}
