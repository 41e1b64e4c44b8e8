import { mapProblemToFields } from './problems';

const FIELDS = ['patient.birth_date', 'patient.given_name', 'referral_source', 'icd10_codes'] as const;

describe('API validation errors onto form fields', () => {
  it('puts each message on the field the API names, stripping the body prefix', () => {
    const mapped = mapProblemToFields({
      status: 422,
      errors: [
        { field: 'body.patient.birth_date', message: 'Value error, birth date is in the future' },
        { field: 'body.referral_source', message: 'Field required' },
        { field: 'body.icd10_codes.1', message: 'String should match pattern' },
      ],
    }, FIELDS);
    expect(mapped.fields).toEqual({
      'patient.birth_date': 'Value error, birth date is in the future',
      referral_source: 'Field required',
      icd10_codes: 'String should match pattern',
    });
    expect(mapped.general).toEqual([]);
  });

  it('keeps messages for fields the form does not show, and a bare detail, for the banner', () => {
    const mapped = mapProblemToFields({ errors: [{ field: 'body', message: 'source_system and source_identifier go together' }] }, FIELDS);
    expect(mapped.general).toEqual(['source_system and source_identifier go together']);
    expect(mapProblemToFields({ status: 409, detail: 'Conflict here' }, FIELDS).general).toEqual(['Conflict here']);
  });
});
