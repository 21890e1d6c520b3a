import { EmptyState, PageHeader } from '../ui.tsx';

export function TemplatePage() {
  return (
    <>
      <PageHeader title="Template" />
      <EmptyState title="This page is being built." />
    </>
  );
}
