import { EmptyState, PageHeader } from '../ui.tsx';

export function TodayPage() {
  return (
    <>
      <PageHeader title="Today" />
      <EmptyState title="This page is being built." />
    </>
  );
}
