"""Demo data for `refloop seed --demo` and the tests: made-up people, practices and referrals."""
