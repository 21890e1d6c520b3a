import { EmptyState, PageHeader } from '../ui.tsx';

export function JourneyPage() {
  return (
    <>
      <PageHeader title="Journey" />
      <EmptyState title="This page is being built." />
    </>
  );
}
