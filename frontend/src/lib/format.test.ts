import { contactMethodLabel } from './format';

describe('contact method labels', () => {
  it('keeps acronyms as people write them', () => {
    expect(contactMethodLabel('fhir')).toBe('FHIR');
    expect(contactMethodLabel('sms')).toBe('SMS');
    expect(contactMethodLabel('email')).toBe('E-mail');
    expect(contactMethodLabel(null)).toBe('—');
  });
});
