// What a referral to this service line must carry, shown before it is sent, so it is complete the first time.
import { Alert, List } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { api, unwrap } from '../../api/client';
import type { components } from '../../api/schema';
import { humanize } from '../../lib/lifecycle';

type Rule = components['schemas']['CompletenessRule'];

export function itemWords(item: Rule['items'][number]): string {
  if (item.document) return `a document: ${humanize(item.document)}`;
  return humanize((item.field ?? '').replace(/^patient\./, 'patient ').replace(/_/g, ' '));
}

export function CompletenessHint({ serviceLine }: { serviceLine: string }) {
  const rules = useQuery({
    queryKey: ['completeness-rules'],
    queryFn: async () => unwrap(await api.GET('/v1/completeness-rules')) as Rule[],
    staleTime: 300_000,
    retry: false,
  });
  const rule = rules.data?.find((r) => r.service_line === serviceLine);
  if (!serviceLine || !rule) return null;
  return (
    <Alert color="blue" title={`A ${humanize(serviceLine)} referral needs`} role="note">
      <List size="sm" aria-label="Required items">
        {rule.items.map((item) => <List.Item key={itemWords(item)}>{itemWords(item)}</List.Item>)}
      </List>
    </Alert>
  );
}
