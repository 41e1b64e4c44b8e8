// SLA clocks as people read them: time left (or over), and the colour that goes with the state.

/** "2 d 3 h", "3 h 12 min", "4 min 05 s"; past due reads "over by …". */
export function formatLeft(seconds: number): string {
  const over = seconds < 0;
  let s = Math.abs(Math.trunc(seconds));
  const days = Math.floor(s / 86_400);
  s -= days * 86_400;
  const hours = Math.floor(s / 3600);
  s -= hours * 3600;
  const minutes = Math.floor(s / 60);
  const secs = s - minutes * 60;
  let text: string;
  if (days) text = `${days} d ${hours} h`;
  else if (hours) text = `${hours} h ${minutes} min`;
  else text = `${minutes} min ${String(secs).padStart(2, '0')} s`;
  return over ? `over by ${text}` : `${text} left`;
}

export type ClockState = 'on_track' | 'at_risk' | 'breached' | 'met' | 'paused';

export const CLOCK_COLOR: Record<ClockState, string> = {
  on_track: 'teal',
  at_risk: 'orange',
  breached: 'red',
  met: 'gray',
  paused: 'gray',
};

export const CLOCK_LABEL: Record<ClockState, string> = {
  on_track: 'On track',
  at_risk: 'At risk',
  breached: 'Breached',
  met: 'Met',
  paused: 'Paused',
};

export const MILESTONE_LABEL: Record<string, string> = {
  first_contact: 'First contact',
  scheduled: 'Scheduled',
};

/** Seconds from `now` to `dueAt`; negative once past. */
export function secondsUntil(dueAt: string, now: number): number {
  return Math.round((new Date(dueAt).getTime() - now) / 1000);
}

/** A clock the server called on track turns breached on screen when its due time passes while the page is open. */
export function liveState(state: ClockState, left: number | null): ClockState {
  if (left !== null && left <= 0 && (state === 'on_track' || state === 'at_risk')) return 'breached';
  return state;
}
