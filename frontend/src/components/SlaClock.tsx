import { useEffect, useState } from 'react';
import { Badge, Text } from '@mantine/core';
import { CLOCK_COLOR, CLOCK_LABEL, formatLeft, liveState, secondsUntil, type ClockState } from '../lib/clock';

/** The current time, ticking every `ms`: clocks on screen count down without a refetch. */
export function useNow(ms = 1000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(timer);
  }, [ms]);
  return now;
}

/**
 * One SLA clock: its state as a coloured badge (red breached, amber at risk) and the time left.
 * `left` is seconds remaining as of `asOf` (epoch ms) when the server counted business time; otherwise the
 * count runs to `dueAt`.
 */
export function SlaClock({ state, dueAt, left, asOf, now }: {
  state: ClockState;
  dueAt: string | null | undefined;
  left?: number | null;
  asOf?: number;
  now: number;
}) {
  const remaining = left != null && asOf != null
    ? left - Math.round((now - asOf) / 1000)
    : dueAt ? secondsUntil(dueAt, now) : null;
  const shown = liveState(state, remaining);
  const running = shown !== 'met' && shown !== 'paused' && remaining !== null;
  return (
    <span data-sla-state={shown} style={{ display: 'inline-flex', gap: 6, alignItems: 'center', flexWrap: 'wrap' }}>
      <Badge color={CLOCK_COLOR[shown]} variant={shown === 'breached' ? 'filled' : 'light'} size="sm">{CLOCK_LABEL[shown]}</Badge>
      {running && (
        <Text span size="sm" fw={shown === 'breached' ? 600 : 400} c={shown === 'breached' ? 'red.8' : shown === 'at_risk' ? 'orange.9' : undefined}
          style={{ fontVariantNumeric: 'tabular-nums' }}>
          {formatLeft(remaining)}
        </Text>
      )}
    </span>
  );
}
