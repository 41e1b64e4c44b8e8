import type { ReactElement, ReactNode } from 'react';
import { render } from '@testing-library/react';
import { MemoryRouter } from 'react-router-dom';
import { Providers, makeQueryClient } from '../Providers';

export function renderWithApp(ui: ReactElement, { route = '/' } = {}) {
  const client = makeQueryClient();
  client.setDefaultOptions({ queries: { retry: false } });
  const wrapper = ({ children }: { children: ReactNode }) => (
    <MemoryRouter initialEntries={[route]}>
      <Providers client={client}>{children}</Providers>
    </MemoryRouter>
  );
  return render(ui, { wrapper });
}

type Handler = (url: URL, init: Request) => Response | Promise<Response>;

/** Stubs fetch with a handler per "METHOD /path"; anything else is a 404 problem. Returns the calls seen. */
export function stubApi(routes: Record<string, Handler>) {
  const calls: { method: string; url: URL; body: string }[] = [];
  const fetchStub = async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = input instanceof Request ? input : new Request(new URL(String(input), 'http://localhost'), init);
    const url = new URL(request.url, 'http://localhost');
    const body = request.method === 'GET' ? '' : await request.clone().text();
    calls.push({ method: request.method, url, body });
    const handler = routes[`${request.method} ${url.pathname}`];
    if (handler) return handler(url, request);
    return json({ title: 'Not found', status: 404 }, 404, 'application/problem+json');
  };
  globalThis.fetch = fetchStub as typeof fetch;
  return calls;
}

export function json(body: unknown, status = 200, type = 'application/json'): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': type } });
}
