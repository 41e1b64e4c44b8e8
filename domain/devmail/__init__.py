"""Mails caught by the development SMTP catcher, for the admin page that shows what was "sent"."""
