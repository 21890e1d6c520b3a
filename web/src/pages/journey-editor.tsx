import { EmptyState, PageHeader } from '../ui.tsx';

export function JourneyEditorPage() {
  return (
    <>
      <PageHeader title="Edit journey" />
      <EmptyState title="This page is being built." />
    </>
  );
}
