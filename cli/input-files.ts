// Files a command reads (journey definitions, policies): read, parsed as JSON or YAML by their extension,
// and every failure said in one sentence, the same way for every command.
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';

/** Ends a message with a full stop unless it already ends a sentence. */
export const sentence = (text: string) => (/[.!?)]$/.test(text) ? text : `${text}.`);

export async function readInput(file: string, what: string, usageError: (message: string) => Error): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw usageError(`The ${what} ${file} does not exist.`);
    if (code === 'EISDIR') throw usageError(`${file} is a directory, not a ${what}.`);
    if (code === 'EACCES' || code === 'EPERM') throw usageError(`The ${what} ${file} cannot be read (permission denied).`);
    throw usageError(`The ${what} ${file} cannot be read (${code ?? String(error)}).`);
  }
}

/** The file's data: JSON for .json, YAML otherwise; null or undefined when it is empty. */
export async function parseDataFile(file: string, text: string, usageError: (message: string) => Error): Promise<unknown> {
  const json = extname(file).toLowerCase() === '.json';
  try {
    return json ? JSON.parse(text) : (await import('yaml')).parse(text);
  } catch (error) {
    throw usageError(
      `${file} is not valid ${json ? 'JSON' : 'YAML'}: ${sentence(((error as Error).message.split('\n')[0] ?? '').replace(/:$/, ''))}`,
    );
  }
}
