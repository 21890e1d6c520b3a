import { EmptyState, PageHeader } from '../ui.tsx';

export function JourneysPage() {
  return (
    <>
      <PageHeader title="Journeys" />
      <EmptyState title="This page is being built." />
    </>
  );
}
