// Scores as the success manager's pages write them: always one decimal (72.5, 22.0), as the API keeps them.
const scoreFormat = new Intl.NumberFormat(undefined, { minimumFractionDigits: 1, maximumFractionDigits: 1 });

export function formatScore(score: number | null | undefined): string {
  return score === null || score === undefined ? '—' : scoreFormat.format(score);
}
