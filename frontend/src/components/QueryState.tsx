import type { ReactNode } from 'react';
import { Alert, Center, Loader } from '@mantine/core';
import { ProblemError } from '../api/client';

/** Loading and error states in one place; a missing route (404/405) reads as "not available yet". */
export function QueryState({ isPending, error, children, what }: {
  isPending: boolean; error: unknown; children: ReactNode; what: string;
}) {
  if (isPending) return <Center p="lg"><Loader size="sm" aria-label={`Loading ${what}`} /></Center>;
  if (error) {
    const unavailable = error instanceof ProblemError && (error.status === 404 || error.status === 405);
    return (
      <Alert color={unavailable ? 'gray' : 'red'} title={unavailable ? `${what} not available` : `Could not load ${what}`}>
        {unavailable ? 'The server does not offer this yet.' : (error as Error).message}
      </Alert>
    );
  }
  return <>{children}</>;
}

export function isMissingRoute(error: unknown): boolean {
  return error instanceof ProblemError && (error.status === 404 || error.status === 405);
}
