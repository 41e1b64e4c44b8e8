import { useEffect, useState } from 'react';
import { TextInput } from '@mantine/core';
import { IconSearch } from '@tabler/icons-react';
import { useLocation, useNavigate } from 'react-router-dom';

/** The header's search box: any of surname, surname + birth date, MRN, phone, referral id, referrer name or NPI. */
export function SearchBox() {
  const navigate = useNavigate();
  const { pathname, search } = useLocation();
  const current = pathname === '/search' ? new URLSearchParams(search).get('q') ?? '' : '';
  const [q, setQ] = useState(current);
  useEffect(() => setQ(current), [current]);
  return (
    <form
      role="search"
      aria-label="Find a referral"
      onSubmit={(e) => {
        e.preventDefault();
        const text = q.trim();
        if (text.length >= 2) navigate(`/search?q=${encodeURIComponent(text)}`);
      }}
      style={{ flex: 1, maxWidth: 420 }}
    >
      <TextInput
        aria-label="Search referrals"
        placeholder="Surname, birth date, MRN, phone, referral or referrer"
        leftSection={<IconSearch size={16} aria-hidden />}
        value={q}
        onChange={(e) => setQ(e.currentTarget.value)}
        maxLength={200}
      />
    </form>
  );
}
