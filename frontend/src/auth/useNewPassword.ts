// The new-password form's state and checks, shared by the invitation page and the forced change:
// the two entries must match, and the server's problems land on their fields.
import { useState } from 'react';
import { ProblemError } from '../api/client';
import { mapProblemToFields } from '../lib/problems';

export function useNewPassword(problemFields: string[], differ: string) {
  const [password, setPassword] = useState('');
  const [repeat, setRepeat] = useState('');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [general, setGeneral] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);

  async function submit(send: () => Promise<void>) {
    setErrors({});
    setGeneral([]);
    if (password !== repeat) {
      setErrors({ repeat: differ });
      return;
    }
    setBusy(true);
    try {
      await send();
    } catch (err) {
      if (err instanceof ProblemError) {
        const mapped = mapProblemToFields(err.problem, problemFields);
        setErrors(mapped.fields);
        setGeneral(mapped.general);
      } else {
        setGeneral(['Could not reach the server. Try again in a moment.']);
      }
    } finally {
      setBusy(false);
    }
  }

  return { password, setPassword, repeat, setRepeat, errors, general, busy, submit };
}
