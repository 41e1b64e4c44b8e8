import { describe, expect, it } from 'vitest';
import { canResend, messageSummary } from './outreach';

describe('outreach words', () => {
  it('says what was sent, how and to whom', () => {
    expect(messageSummary({ kind: 'acknowledgement', channel: 'email', recipient_type: 'provider' }))
      .toBe('Referral received notice by email to the referrer');
    expect(messageSummary({ kind: 'reminder', channel: 'sms', recipient_type: 'patient' }))
      .toBe('Appointment reminder by text message to the patient');
  });

  it('offers resend only to roles the API lets resend, and only for failed or suppressed messages', () => {
    expect(canResend('intake', 'failed')).toBe(true);
    expect(canResend('admin', 'suppressed')).toBe(true);
    expect(canResend('liaison', 'failed')).toBe(false);
    expect(canResend('admin', 'sent')).toBe(false);
  });
});
