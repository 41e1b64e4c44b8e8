// Dashboard periods: presets or a custom range of whole UTC days, kept in the URL like the pipeline filters.
export type Preset = '30d' | '90d' | '12m' | 'custom';

export interface Period {
  preset: Preset;
  from: string; // YYYY-MM-DD inclusive
  to: string; // YYYY-MM-DD inclusive
  groupBy: 'week' | 'month';
}

const day = (d: Date) => d.toISOString().slice(0, 10);

function shift(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return day(d);
}

export function presetRange(preset: Exclude<Preset, 'custom'>, today: Date = new Date()): { from: string; to: string } {
  const to = day(today);
  if (preset === '30d') return { from: shift(to, -29), to };
  if (preset === '90d') return { from: shift(to, -89), to };
  const d = new Date(`${to}T00:00:00Z`);
  d.setUTCMonth(d.getUTCMonth() - 12);
  return { from: shift(day(d), 1), to };
}

export function periodFromParams(params: URLSearchParams, today: Date = new Date()): Period {
  const preset = (['30d', '90d', '12m', 'custom'].includes(params.get('period') ?? '') ? params.get('period') : '90d') as Preset;
  const valid = (v: string | null) => (v && /^\d{4}-\d{2}-\d{2}$/.test(v) ? v : null);
  let range = preset === 'custom' ? null : presetRange(preset, today);
  if (preset === 'custom') {
    const fallback = presetRange('90d', today);
    range = { from: valid(params.get('from')) ?? fallback.from, to: valid(params.get('to')) ?? fallback.to };
  }
  const groupParam = params.get('group');
  const groupBy = groupParam === 'week' || groupParam === 'month' ? groupParam : preset === '12m' ? 'month' : 'week';
  return { preset, ...range!, groupBy };
}

/** The API's [from, to) in UTC instants for whole days from..to inclusive. */
export function periodToQuery(p: Period) {
  return { from: `${p.from}T00:00:00Z`, to: `${shift(p.to, 1)}T00:00:00Z`, group_by: p.groupBy };
}
