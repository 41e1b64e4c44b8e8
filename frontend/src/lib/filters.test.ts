import { EMPTY_FILTERS, filtersFromParams, filtersToParams, filtersToQuery } from './filters';

describe('pipeline filters in the URL', () => {
  it('round-trips every filter through the query string', () => {
    const filters = {
      status: ['received', 'needs_info'] as const,
      urgency: ['urgent'] as const,
      serviceLine: 'cardiology',
      referrer: '0b6f2c1e-0000-4000-8000-000000000001',
      assignee: 'me',
      from: '2026-11-01',
      to: '2026-11-20',
    };
    const params = filtersToParams({ ...filters, status: [...filters.status], urgency: [...filters.urgency] });
    expect(params.toString()).toBe(
      'status=received%2Cneeds_info&urgency=urgent&service_line=cardiology&referrer=0b6f2c1e-0000-4000-8000-000000000001&assignee=me&from=2026-11-01&to=2026-11-20',
    );
    expect(filtersFromParams(params)).toEqual({ ...filters, status: ['received', 'needs_info'], urgency: ['urgent'] });
  });

  it('keeps unrelated keys such as the view and drops cleared filters', () => {
    const base = new URLSearchParams('view=table&status=accepted&service_line=ortho');
    const params = filtersToParams({ ...EMPTY_FILTERS, status: ['scheduled'] }, base);
    expect(params.get('view')).toBe('table');
    expect(params.get('status')).toBe('scheduled');
    expect(params.has('service_line')).toBe(false);
  });

  it('ignores values a hand-edited URL may carry that the API would reject', () => {
    const f = filtersFromParams(new URLSearchParams('status=received,bogus&urgency=soon&from=yesterday&to=2026-02-30x'));
    expect(f.status).toEqual(['received']);
    expect(f.urgency).toEqual([]);
    expect(f.from).toBe('');
    expect(f.to).toBe('');
  });

  it('turns an inclusive date range into the API half-open range and resolves "me"', () => {
    const q = filtersToQuery({ ...EMPTY_FILTERS, from: '2026-11-01', to: '2026-11-30', assignee: 'me' }, 'user-1');
    expect(q.received_from).toBe('2026-11-01T00:00:00Z');
    expect(q.received_to).toBe('2026-12-01T00:00:00Z');
    expect(q.assignee_id).toBe('user-1');
    expect(q.status).toBeUndefined();
  });
});
