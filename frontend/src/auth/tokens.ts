// Tokens live in sessionStorage: they survive a reload but not closing the tab, and never reach other tabs.
export interface TokenPair {
  access_token: string;
  refresh_token: string;
  token_type: string;
  expires_in: number;
}

interface Stored extends TokenPair {
  expires_at: number;
}

const KEY = 'refloop.tokens';
const listeners = new Set<() => void>();

function read(): Stored | null {
  try {
    const raw = sessionStorage.getItem(KEY);
    return raw ? (JSON.parse(raw) as Stored) : null;
  } catch {
    return null;
  }
}

export const tokenStore = {
  get: read,
  set(pair: TokenPair) {
    const stored: Stored = { ...pair, expires_at: Date.now() + (pair.expires_in ?? 900) * 1000 };
    sessionStorage.setItem(KEY, JSON.stringify(stored));
    listeners.forEach((l) => l());
  },
  clear() {
    sessionStorage.removeItem(KEY);
    listeners.forEach((l) => l());
  },
  /** True when the access token has under 30 s left, so the next call refreshes first. */
  expiresSoon(): boolean {
    const t = read();
    return !!t && t.expires_at - Date.now() < 30_000;
  },
  subscribe(listener: () => void) {
    listeners.add(listener);
    return () => listeners.delete(listener);
  },
};
