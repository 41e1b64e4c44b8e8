export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  return new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

export function formatDate(iso: string | null | undefined): string {
  if (!iso) return '—';
  return new Date(iso).toLocaleDateString(undefined, { dateStyle: 'medium' });
}

export function relativeAge(iso: string, now: Date = new Date()): string {
  const hours = Math.max(0, (now.getTime() - new Date(iso).getTime()) / 3_600_000);
  if (hours < 1) return `${Math.round(hours * 60)} min`;
  if (hours < 48) return `${Math.round(hours)} h`;
  return `${Math.round(hours / 24)} d`;
}

export function initials(given?: string | null, family?: string | null): string {
  return [given, family].map((n) => (n ? `${n.trim().charAt(0).toUpperCase()}.` : '')).join(' ').trim() || '—';
}

export function maskName(given?: string | null, family?: string | null): string {
  const mask = (n?: string | null) => (n ? `${n.charAt(0)}${'•'.repeat(Math.max(2, n.length - 1))}` : '');
  return [mask(given), mask(family)].filter(Boolean).join(' ') || '•••';
}

export function pct(value: number | null | undefined): string {
  return value == null ? '—' : `${(value * 100).toFixed(1)}%`;
}

export function num(value: number | null | undefined, digits = 1): string {
  return value == null ? '—' : value.toFixed(digits);
}

// How a person reads a contact method: acronyms stay acronyms ("FHIR", not "Fhir").
const CONTACT_METHODS: Record<string, string> = {
  email: 'E-mail', phone: 'Phone', fax: 'Fax', direct: 'Direct messaging', portal: 'Portal', fhir: 'FHIR', sms: 'SMS',
};

export function contactMethodLabel(method: string | null | undefined): string {
  return method ? CONTACT_METHODS[method] ?? method : '—';
}
