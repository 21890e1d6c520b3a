// Text PostgreSQL cannot store is found, with its path, before it reaches the database.
import { describe, expect, it } from 'vitest';
import { findUnstorableText, MAX_JSON_DEPTH, textProblem } from '../../../core/text/storable.ts';

describe('text that cannot be stored', () => {
  it('finds a NUL character and a lone surrogate, and passes real Unicode', () => {
    expect(textProblem('a\u0000b')).toBe('must not contain a NUL character (\\u0000)');
    expect(textProblem('\ud800')).toBe('must be valid Unicode: it holds a lone surrogate');
    expect(textProblem('x\udc00')).toBe('must be valid Unicode: it holds a lone surrogate');
    expect(textProblem('caf\u00e9 \ud83d\ude00 日本')).toBeNull();
  });

  it('names the path of the first bad string or key, in document order', () => {
    expect(findUnstorableText({ properties: { channel: '\u0000', other: '\ud800' } })).toEqual({
      path: 'properties.channel',
      message: 'must not contain a NUL character (\\u0000)',
    });
    expect(findUnstorableText({ items: [{ name: 'ok' }, { name: 'bad\ud800' }] })).toEqual({
      path: 'items[1].name',
      message: 'must be valid Unicode: it holds a lone surrogate',
    });
    expect(findUnstorableText({ attributes: { 'we\u0000ird': 1 } })?.path).toBe('attributes["we\\u0000ird"]');
    expect(findUnstorableText({ params: 'a\u0000b' }, { root: 'params' })?.path).toBe('params.params');
  });

  it('refuses nesting past the limit without running out of stack, however deep', () => {
    let deep: unknown = 'leaf';
    for (let i = 0; i < 100_000; i++) deep = { not: deep };
    expect(findUnstorableText(deep)?.message).toBe(`nests deeper than ${MAX_JSON_DEPTH} levels`);
    let fine: unknown = 'leaf';
    for (let i = 0; i < MAX_JSON_DEPTH - 1; i++) fine = [fine];
    expect(findUnstorableText(fine)).toBeNull();
  });
});
