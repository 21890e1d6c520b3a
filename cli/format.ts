// How the CLI writes numbers, days and output: one place, so every command prints them alike.

export const isoDay = (date: Date) => date.toISOString().slice(0, 10);
export const int = (n: number) => n.toLocaleString('en-US', { maximumFractionDigits: 0 });
export const fixed = (n: number, digits: number) =>
  Number.isFinite(n) ? n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits }) : 'n/a';

/** Writes to stdout and resolves once the text is flushed (a command may exit right after). */
export function write(text: string): Promise<void> {
  return new Promise((resolve, reject) => process.stdout.write(text, (error) => (error ? reject(error) : resolve())));
}
