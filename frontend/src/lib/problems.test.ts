import { mapProblemToFields } from './problems';

const FIELDS = ['patient.birth_date', 'patient.given_name', 'referral_source', 'icd10_codes'] as const;

describe('API validation errors onto form fields', () => {
  it('puts each message on the field the API names, stripping the body prefix', () => {
    const mapped = mapProblemToFields({
      status: 422,
      errors: [
        { field: 'body.patient.birth_date', message: 'Birth date 2031-01-01 is in the future.' },
        { field: 'body.referral_source', message: 'Referral source is required.' },
        { field: 'body.icd10_codes.1', message: "ICD-10 code 'ABC' is not a valid code (it looks like E11.9 or M17.11)." },
      ],
    }, FIELDS);
    expect(mapped.fields).toEqual({
      'patient.birth_date': 'Birth date 2031-01-01 is in the future.',
      referral_source: 'Referral source is required.',
      icd10_codes: "ICD-10 code 'ABC' is not a valid code (it looks like E11.9 or M17.11).",
    });
    expect(mapped.general).toEqual([]);
  });

  it('keeps messages for fields the form does not show, and a bare detail, for the banner', () => {
    const mapped = mapProblemToFields({ errors: [
      { field: 'body', message: 'Source system and source identifier go together: give both or neither.' },
      { field: 'body.specialty_code', message: "Specialty code 'X1' is not a NUCC taxonomy code (it looks like 207RC0000X)." },
    ] }, FIELDS);
    expect(mapped.general).toEqual([
      'Source system and source identifier go together: give both or neither.',
      "Specialty code 'X1' is not a NUCC taxonomy code (it looks like 207RC0000X).",
    ]);
    expect(mapProblemToFields({ status: 409, detail: 'Conflict here' }, FIELDS).general).toEqual(['Conflict here']);
  });
});
