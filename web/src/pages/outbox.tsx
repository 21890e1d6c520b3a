import { EmptyState, PageHeader } from '../ui.tsx';

export function OutboxPage() {
  return (
    <>
      <PageHeader title="Outbox" />
      <EmptyState title="This page is being built." />
    </>
  );
}
