import { EmptyState, PageHeader } from '../ui.tsx';

export function TemplatesPage() {
  return (
    <>
      <PageHeader title="Templates" />
      <EmptyState title="This page is being built." />
    </>
  );
}
