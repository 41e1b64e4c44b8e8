// The referring practice's area of the app, for the `referrer` role only.
import { Navigate, Route, Routes } from 'react-router-dom';
import { NewReferralPage } from '../pages/NewReferralPage';
import { PortalCatalogPage } from './PortalCatalogPage';
import { PortalHomePage } from './PortalHomePage';
import { PortalLayout } from './PortalLayout';
import { PortalReferralPage } from './PortalReferralPage';
import { PortalReferralsPage } from './PortalReferralsPage';

export function PortalApp() {
  return (
    <PortalLayout>
      <Routes>
        <Route path="/portal" element={<PortalHomePage />} />
        <Route path="/portal/referrals" element={<PortalReferralsPage />} />
        <Route path="/portal/referrals/new" element={<NewReferralPage portal />} />
        <Route path="/portal/referrals/:id" element={<PortalReferralPage />} />
        <Route path="/portal/catalog" element={<PortalCatalogPage />} />
        <Route path="*" element={<Navigate to="/portal" replace />} />
      </Routes>
    </PortalLayout>
  );
}
