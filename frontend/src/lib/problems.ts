// Maps a problem+json `errors` list onto form fields: "body.patient.birth_date" -> "patient.birth_date".
// The API words every message for people (api/plain_errors.py), naming the field and the bad value, so the
// message is shown as it is: beside its field, or in the banner when the form has no such field.
import type { Problem } from '../api/client';

export interface MappedErrors {
  fields: Record<string, string>;
  /** Messages that matched no field on the form, shown above it. */
  general: string[];
}

export function fieldPath(apiField: string): string {
  return apiField.replace(/^body\.?/, '');
}

export function mapProblemToFields(problem: Problem, knownFields: readonly string[]): MappedErrors {
  const fields: Record<string, string> = {};
  const general: string[] = [];
  for (const err of problem.errors ?? []) {
    const path = fieldPath(err.field);
    // A message about a list item (icd10_codes.2) belongs to the list's field.
    const match = knownFields.find((f) => path === f || path.startsWith(`${f}.`));
    if (match) {
      fields[match] = fields[match] ? `${fields[match]}; ${err.message}` : err.message;
    } else {
      general.push(err.message);
    }
  }
  if (!problem.errors?.length && problem.detail) general.push(problem.detail);
  return { fields, general };
}
