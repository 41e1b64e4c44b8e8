"""Default wording for each message, per channel. Staff can override any of them (/v1/templates).

Referrer messages name the patient by first name and family initial plus our reference,
enough for the office to match it to their chart and no more.
"""

from domain.outreach.kinds import Channel
from domain.outreach.kinds import MessageKind as K

SIGN_OFF = """
Warm regards,
{{ practice.name }} referral team
{{ practice.phone }}"""

EMAIL: dict[K, tuple[str, str]] = {
    K.acknowledgement: (
        "We received your referral for {{ patient.short_name }} ({{ referral.reference }})",
        """Dear {{ referrer.display_name }},

Thank you for referring {{ patient.short_name }} to our {{ referral.service_line }} team. We received the referral on {{ referral.received_on }} and our intake coordinators are reviewing it now.

We will be in touch as soon as it is accepted, usually within one business day. If anything is urgent, please call us and mention reference {{ referral.reference }}.
"""
        + SIGN_OFF,
    ),
    K.status_accepted: (
        "Referral accepted: {{ patient.short_name }} ({{ referral.reference }})",
        """Dear {{ referrer.display_name }},

Good news: we have accepted your referral for {{ patient.short_name }}. Our scheduling team will contact the patient to find a time that works, and we will let you know once the appointment is booked.
"""
        + SIGN_OFF,
    ),
    K.status_needs_info: (
        "A few details needed for {{ patient.short_name }} ({{ referral.reference }})",
        """Dear {{ referrer.display_name }},

We are reviewing your referral for {{ patient.short_name }} and need a little more before we can accept it:
{% for item in missing %}
  - {{ item }}
{%- endfor %}

You can reply to this email or fax the documents to us, quoting reference {{ referral.reference }}. As soon as we have them we will pick the referral straight back up.
"""
        + SIGN_OFF,
    ),
    K.status_scheduled: (
        "Appointment booked for {{ patient.short_name }}{% if appointment %} on {{ appointment.date }}{% endif %}",
        """Dear {{ referrer.display_name }},

{% if appointment %}{{ patient.short_name }} is booked with our {{ referral.service_line }} team on {{ appointment.date }} at {{ appointment.time }}{% if appointment.location %} at {{ appointment.location }}{% endif %}.{% else %}{{ patient.short_name }} is now booked with our {{ referral.service_line }} team.{% endif %}

We will send you a summary after the visit.
"""
        + SIGN_OFF,
    ),
    K.status_declined: (
        "About your referral for {{ patient.short_name }} ({{ referral.reference }})",
        """Dear {{ referrer.display_name }},

Thank you for thinking of us for {{ patient.short_name }}. Unfortunately we are not able to accept this referral: {{ decline_reason }}.
{% if note %}
{{ note }}
{% endif %}
If you would like to talk it through, or need a suggestion for where else to send the patient, please give us a call.
"""
        + SIGN_OFF,
    ),
    K.reminder: (
        "Reminder: your appointment on {{ appointment.date }}",
        """Hello {{ patient.given_name }},

This is a friendly reminder that you have an appointment with our {{ referral.service_line }} team on {{ appointment.date }} at {{ appointment.time }}{% if appointment.location %}, {{ appointment.location }}{% endif %}.

Please bring your insurance card and a list of your current medications. If you need to reschedule, just call us at {{ practice.phone }}; we are happy to find another time.

See you soon,
{{ practice.name }}""",
    ),
    K.no_show: (
        "We missed you today",
        """Hello {{ patient.given_name }},

We missed you at your {{ referral.service_line }} appointment on {{ appointment.date }}. We hope everything is all right.

Your doctor referred you to us for a reason, so we would like to find you a new time. Please call us at {{ practice.phone }} or reply to this message and we will set it up.

Take care,
{{ practice.name }}""",
    ),
    K.loop_closure: (
        "Visit summary for {{ patient.short_name }} ({{ referral.reference }})",
        """Dear {{ referrer.display_name }},

{{ patient.short_name }} was seen by our {{ referral.service_line }} team{% if appointment %} on {{ appointment.date }}{% endif %}. Here is a summary of the consultation:

{{ consult_summary }}

The full consult note is available on request. Thank you for trusting us with your patient's care.
"""
        + SIGN_OFF,
    ),
    K.thank_you: (
        "Thank you for your referral",
        """Dear {{ referrer.display_name }},

We noticed this is the first patient you have sent our way, and we wanted to say thank you. We will keep you posted at every step, from intake to the visit summary.

If there is anything that would make referring easier for your office, we would love to hear it.
"""
        + SIGN_OFF,
    ),
    K.check_in: (
        "Checking in from {{ practice.name }}",
        """Dear {{ referrer.display_name }},

It has been a while since we last caught up, so we wanted to check in. Our {{ practice.service_lines }} teams currently have openings within {{ practice.wait_days }} days.

Is there anything we could do better for you or your patients? A quick reply is always welcome.
"""
        + SIGN_OFF,
    ),
    K.digest: (
        "Your referral updates for {{ digest.date }}",
        """Dear {{ referrer.display_name }},

Rather than fill your inbox, here is everything from today in one note:
{% for item in digest["items"] %}
  - {{ item.title }}: {{ item.patient }} ({{ item.reference }})
{%- endfor %}

As always, call us if you need anything.
"""
        + SIGN_OFF,
    ),
    K.invitation: (
        "You are invited to {{ practice.name }}'s referral workspace",
        """Hello {{ invitation.name }},

You have been invited to join {{ practice.name }}'s referral workspace as {{ invitation.role }}.

Choose your password and sign in here:
{{ invitation.link }}

The link works once and until {{ invitation.expires }}. If you were not expecting it, ignore this email.
"""
        + SIGN_OFF,
    ),
    K.password_reset: (
        "Choose a new password for {{ practice.name }}'s referral workspace",
        """Hello {{ invitation.name }},

An administrator has sent you a link to choose a new password:
{{ invitation.link }}

The link works once and until {{ invitation.expires }}. Your current password stops working when you choose the new one. If you did not ask for this, tell your administrator.
"""
        + SIGN_OFF,
    ),
    K.practice_report: (
        "Your referrals to {{ practice.name }}: {{ report.month }}",
        """Dear colleagues at {{ report.practice }},

Here is what became of the patients you sent us in {{ report.month }}:

  - Referrals sent: {{ report.referrals_sent }}
  - Patients seen: {{ report.patients_seen }}
  - Median wait to a first appointment: {{ report.median_wait }}
  - Visit summaries sent back to you: {{ report.loop_closure_notes_sent }}

Thank you for trusting us with your patients. If you would rather not receive this monthly note, just reply and we will stop it.
"""
        + SIGN_OFF,
    ),
}

SMS: dict[K, str] = {
    K.reminder: "{{ practice.name }}: hi {{ patient.given_name }}, a reminder of your appointment on "
    "{{ appointment.date }} at {{ appointment.time }}. To reschedule call {{ practice.phone }}.",
    K.no_show: "{{ practice.name }}: hi {{ patient.given_name }}, we missed you today. "
    "Call {{ practice.phone }} and we will find you a new time.",
    K.acknowledgement: "{{ practice.name }}: referral {{ referral.reference }} for {{ patient.short_name }} received. "
    "We will update you once it is reviewed.",
    K.status_accepted: "{{ practice.name }}: referral {{ referral.reference }} accepted; we are contacting the patient.",
    K.status_needs_info: "{{ practice.name }}: referral {{ referral.reference }} needs: {{ missing | join(', ') }}.",
    K.status_scheduled: "{{ practice.name }}: {{ patient.short_name }} is booked"
    "{% if appointment %} for {{ appointment.date }} {{ appointment.time }}{% endif %}.",
    K.status_declined: "{{ practice.name }}: we could not accept referral {{ referral.reference }} ({{ decline_reason }}). "
    "Call {{ practice.phone }} to discuss.",
    K.loop_closure: "{{ practice.name }}: {{ patient.short_name }} was seen{% if appointment %} on {{ appointment.date }}{% endif %}. "
    "Summary sent to your inbox on file.",
    K.thank_you: "{{ practice.name }}: thank you for your first referral to us!",
    K.check_in: "{{ practice.name }}: checking in. Anything we can do better for your patients? Reply anytime.",
    K.digest: "{{ practice.name }}: {{ digest['items'] | length }} referral updates today; details by email.",
    K.invitation: "{{ practice.name }}: you are invited to the referral workspace. Choose a password: {{ invitation.link }}",
    K.password_reset: "{{ practice.name }}: choose a new password for the referral workspace: {{ invitation.link }}",
    K.practice_report: "{{ practice.name }}, {{ report.month }}: {{ report.referrals_sent }} referrals from you, "
    "{{ report.patients_seen }} patients seen, median wait {{ report.median_wait }}, "
    "{{ report.loop_closure_notes_sent }} visit summaries sent.",
}


def default_template(kind: K, channel: Channel) -> tuple[str | None, str]:
    """(subject, body) for a kind and channel; SMS has no subject."""
    if channel is Channel.sms:
        return None, SMS[kind]
    return EMAIL[kind]
