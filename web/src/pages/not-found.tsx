import { Link } from 'react-router';
import { EmptyState, PageHeader } from '../ui.tsx';

export function NotFoundPage() {
  return (
    <>
      <PageHeader title="Page not found" />
      <EmptyState title="There is no page at this address.">
        <p>
          Go to <Link to="/today">Today</Link> or <Link to="/journeys">Journeys</Link>.
        </p>
      </EmptyState>
    </>
  );
}
