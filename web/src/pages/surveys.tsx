import { EmptyState, PageHeader } from '../ui.tsx';

export function SurveysPage() {
  return (
    <>
      <PageHeader title="Surveys" />
      <EmptyState title="This page is being built." />
    </>
  );
}
