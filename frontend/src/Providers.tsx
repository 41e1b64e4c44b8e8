import type { ReactNode } from 'react';
import { MantineProvider, createTheme, type CSSVariablesResolver } from '@mantine/core';
import { Notifications } from '@mantine/notifications';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { ProblemError } from './api/client';
import { AuthProvider } from './auth/AuthContext';

export const theme = createTheme({
  primaryColor: 'indigo',
  // Shade 6 of most colours gives white text or text on white under 4.5:1 (WCAG AA); 8 passes.
  primaryShade: { light: 8, dark: 8 },
  defaultRadius: 'md',
  fontFamily: 'Inter, system-ui, -apple-system, "Segoe UI", Roboto, sans-serif',
  headings: { fontWeight: '650' },
});

// WCAG AA wants 4.5:1 for small text. Mantine's dimmed grey (gray.6) reads at 3.3:1 on white, the text of
// light badges and navigation (shade 6) at about 3:1 on their tint, and white on the bright fills (orange,
// teal, green...) under 4:1. Darker shades of the same hues pass.
const BRIGHT_FILLS = ['orange', 'yellow', 'teal', 'green', 'lime', 'cyan'];
const darker = (color: string, share: number) => `color-mix(in srgb, var(--mantine-color-${color}-9) ${share}%, black)`;
const cssVariables: CSSVariablesResolver = (t) => ({
  variables: {},
  light: {
    '--mantine-color-dimmed': t.colors.gray[7],
    // Yellow is the lightest hue: its shade 9 needs more black than the others to pass on its own tint.
    ...Object.fromEntries(Object.keys(t.colors).map((c) => [`--mantine-color-${c}-light-color`, darker(c, c === 'yellow' ? 65 : 75)])),
    ...Object.fromEntries(BRIGHT_FILLS.map((c) => [`--mantine-color-${c}-filled`, darker(c, c === 'yellow' ? 70 : 80)])),
  },
  dark: {},
});

export function makeQueryClient() {
  return new QueryClient({
    defaultOptions: {
      queries: {
        staleTime: 15_000,
        refetchOnWindowFocus: false,
        // Client errors will not get better by retrying.
        retry: (count, error) => !(error instanceof ProblemError && error.status < 500) && count < 2,
      },
    },
  });
}

const queryClient = makeQueryClient();

export function Providers({ children, client = queryClient }: { children: ReactNode; client?: QueryClient }) {
  return (
    <MantineProvider theme={theme} cssVariablesResolver={cssVariables}>
      <Notifications position="top-right" />
      <QueryClientProvider client={client}>
        <AuthProvider>{children}</AuthProvider>
      </QueryClientProvider>
    </MantineProvider>
  );
}
