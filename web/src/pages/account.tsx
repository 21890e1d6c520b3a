import { EmptyState, PageHeader } from '../ui.tsx';

export function AccountPage() {
  return (
    <>
      <PageHeader title="Account" />
      <EmptyState title="This page is being built." />
    </>
  );
}
