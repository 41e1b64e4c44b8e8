// The lists people pick from (GET /v1/reference/*): stored keys with the words people read.
import { useQuery } from '@tanstack/react-query';
import { api, unwrap } from './client';
import type { PayerEntry, ReferenceEntry, ServiceLineEntry } from './contracts';

const DAY = 24 * 3600_000;

export function useServiceLines() {
  return useQuery({
    queryKey: ['reference', 'service-lines'],
    queryFn: async () => unwrap(await api.GET('/v1/reference/service-lines')) as ServiceLineEntry[],
    staleTime: DAY,
  });
}

export function useSpecialties() {
  return useQuery({
    queryKey: ['reference', 'specialties'],
    queryFn: async () => unwrap(await api.GET('/v1/reference/specialties')) as ReferenceEntry[],
    staleTime: DAY,
  });
}

export function usePayerClasses() {
  return useQuery({
    queryKey: ['reference', 'payer-classes'],
    queryFn: async () => unwrap(await api.GET('/v1/reference/payer-classes')) as ReferenceEntry[],
    staleTime: DAY,
  });
}

export function usePayers() {
  return useQuery({
    queryKey: ['reference', 'payers'],
    queryFn: async () => unwrap(await api.GET('/v1/reference/payers')) as PayerEntry[],
    staleTime: DAY,
  });
}

/** Select options for the service-line catalog; a stored key outside it still shows, as itself. */
export function serviceLineOptions(lines: ServiceLineEntry[] | undefined, current?: string[]) {
  const options = (lines ?? []).map((l) => ({ value: l.key, label: l.display }));
  for (const key of current ?? []) if (key && !options.some((o) => o.value === key)) options.push({ value: key, label: key });
  return options;
}

/** ICD-10-CM codes matching a code prefix or words; nothing is asked for fewer than two characters. */
export function useIcd10Search(query: string) {
  const q = query.trim();
  return useQuery({
    queryKey: ['reference', 'icd10', q],
    queryFn: async () => unwrap(await api.GET('/v1/reference/icd10', { params: { query: { q, limit: 20 } } })) as ReferenceEntry[],
    enabled: q.length >= 2,
    staleTime: DAY,
    placeholderData: (previous) => previous,
  });
}
