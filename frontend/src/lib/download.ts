// The CSV is the server's (GET /v1/analytics/summary.csv): the same figures as the screen, by construction.
import { authFetch, ProblemError, type Problem } from '../api/client';

export function toSearch(query: Record<string, string | string[] | undefined>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    for (const v of Array.isArray(value) ? value : value === undefined ? [] : [value]) search.append(key, v);
  }
  return search.toString();
}

export async function downloadSummaryCsv(query: Record<string, string | string[] | undefined>): Promise<void> {
  const response = await authFetch(new Request(`${location.origin}/v1/analytics/summary.csv?${toSearch(query)}`));
  if (!response.ok) throw new ProblemError(response.status, (await response.json().catch(() => ({}))) as Problem);
  const name = /filename="([^"]+)"/.exec(response.headers.get('Content-Disposition') ?? '')?.[1] ?? 'refloop-summary.csv';
  const url = URL.createObjectURL(await response.blob());
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
