// Links that may be put in an email. Links in render data must be https (http only when allowed, for
// development): `safeLink` refuses anything else, `javascript:` included, and `assertSafeLinks` checks
// every link of a render context.

export type SafeLinkOptions = { allowHttp?: boolean };

/**
 * The link as an absolute https URL (http only with `allowHttp`), or null when it must not be put in
 * an email: `javascript:`, `data:`, `vbscript:`, `mailto:`, relative links, links with credentials,
 * and anything with whitespace or control characters hidden in it.
 */
export function safeLink(url: unknown, options: SafeLinkOptions = {}): string | null {
  if (typeof url !== 'string') return null;
  const trimmed = url.trim();
  // Browsers ignore tabs and newlines inside a scheme ("java\tscript:"); refuse them outright.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this refuses
  if (trimmed === '' || /[\u0000-\u001f\u007f\s\\]/.test(trimmed)) return null;
  if (!URL.canParse(trimmed)) return null;
  const parsed = new URL(trimmed);
  const allowed = parsed.protocol === 'https:' || (parsed.protocol === 'http:' && options.allowHttp === true);
  if (!allowed || parsed.hostname === '' || parsed.username !== '' || parsed.password !== '') return null;
  return parsed.href;
}

export class UnsafeLinkError extends Error {
  constructor(readonly paths: string[]) {
    super(`Links must be https: ${paths.join(', ')} ${paths.length === 1 ? 'is' : 'are'} not.`);
  }
}

const isLinkKey = (key: string) => key === 'url' || key === 'href' || /(Url|Link|Href)$/.test(key);

/** The paths of every link in render data that `safeLink` refuses (keys under `links`, `url`, `href`, `*Url`, `*Link`). */
export function unsafeLinks(data: unknown, options: SafeLinkOptions = {}): string[] {
  const found: string[] = [];
  const walk = (value: unknown, path: string, isLink: boolean, depth: number) => {
    if (depth > 20) return;
    if (isLink && (typeof value === 'string' || value === null || typeof value !== 'object')) {
      if (value !== null && value !== undefined && safeLink(value, options) === null) found.push(path);
      return;
    }
    if (Array.isArray(value)) {
      for (const [index, item] of value.entries()) walk(item, `${path}[${index}]`, isLink, depth + 1);
    } else if (value && typeof value === 'object') {
      for (const [key, item] of Object.entries(value)) {
        walk(item, path ? `${path}.${key}` : key, isLink || isLinkKey(key) || (path === '' && key === 'links'), depth + 1);
      }
    }
  };
  walk(data, '', false, 0);
  return found;
}

/** Throws `UnsafeLinkError` naming every link of the data that is not https (or http when allowed). */
export function assertSafeLinks(data: unknown, options: SafeLinkOptions = {}): void {
  const paths = unsafeLinks(data, options);
  if (paths.length > 0) throw new UnsafeLinkError(paths);
}
