/** A start-up failure the user can fix; the CLI prints its message as one sentence and exits with 2. */
export class StartupError extends Error {
  override name = 'StartupError';
}
