// Side-by-side comparison of two provider records and the per-field choices a merge sends.
import type { MergeRequest, Provider } from '../api/contracts';

export type Side = 'first' | 'second';
type Field = keyof NonNullable<MergeRequest['keep']>;

export interface FieldRow {
  field: Field;
  label: string;
  first: string;
  second: string;
  same: boolean;
  list: boolean; // lists may keep both sides
}

const show = (value: unknown): string => (value == null || value === '' ? '—' : String(value));

const FIELDS: { field: Field; label: string; list?: boolean; value: (p: Provider) => string }[] = [
  { field: 'prefix', label: 'Prefix', value: (p) => show(p.prefix) },
  { field: 'given_name', label: 'Given name', value: (p) => show(p.given_name) },
  { field: 'family_name', label: 'Family name', value: (p) => show(p.family_name) },
  { field: 'suffix', label: 'Suffix', value: (p) => show(p.suffix) },
  { field: 'npi', label: 'NPI', value: (p) => show(p.npi) },
  { field: 'credentials', label: 'Credentials', list: true, value: (p) => show((p.credentials ?? []).join(', ')) },
  { field: 'specialties', label: 'Specialties', list: true, value: (p) => show((p.specialties ?? []).map((s) => s.display || s.code).join(', ')) },
  { field: 'contact_points', label: 'Phone, fax, e-mail', list: true, value: (p) => show((p.contact_points ?? []).map((c) => c.value).join(', ')) },
  { field: 'kind', label: 'Kind', value: (p) => show(p.kind) },
  { field: 'preferred_contact_method', label: 'Preferred contact', value: (p) => show(p.preferred_contact_method) },
  { field: 'notes', label: 'Notes', value: (p) => show(p.notes) },
];

export function compareFields(first: Provider, second: Provider): FieldRow[] {
  return FIELDS.map(({ field, label, list, value }) => {
    const a = value(first);
    const b = value(second);
    return { field, label, first: a, second: b, same: a === b, list: !!list };
  });
}

/** What the survivor keeps when nobody has chosen: lists keep both; else its own value, unless it has none. */
export function defaultPick(row: FieldRow, survivor: Side): Side | 'both' {
  if (row.list) return 'both';
  const other: Side = survivor === 'first' ? 'second' : 'first';
  return row[survivor] === '—' && row[other] !== '—' ? other : survivor;
}

/** The merge request: `picks` are by side (first/second), the API wants survivor/merged. */
export function mergeRequest(first: Provider, second: Provider, survivor: Side, picks: Partial<Record<Field, Side | 'both'>>, rows: FieldRow[]): MergeRequest {
  const keep: NonNullable<MergeRequest['keep']> = {};
  for (const row of rows) {
    if (row.same) continue;
    const pick = picks[row.field] ?? defaultPick(row, survivor);
    keep[row.field] = pick === 'both' ? 'both' : pick === survivor ? 'survivor' : 'merged';
  }
  const [kept, merged] = survivor === 'first' ? [first, second] : [second, first];
  return { survivor_id: kept.id, merged_id: merged.id, keep };
}
