// Global setup of the browser tests: the web app they open is the one in web/src now. A build older
// than any source file (web/ or the core it imports) is rebuilt once, before any test file starts.
import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));

function newestIn(dir: string): number {
  return readdirSync(dir, { withFileTypes: true }).reduce((newest, entry) => {
    const path = join(dir, entry.name);
    return Math.max(newest, entry.isDirectory() ? newestIn(path) : statSync(path).mtimeMs);
  }, 0);
}

export default function setup(): void {
  const built = (() => {
    try {
      return statSync(join(root, 'web/dist/index.html')).mtimeMs;
    } catch {
      return 0;
    }
  })();
  const sources = Math.max(newestIn(join(root, 'web/src')), statSync(join(root, 'web/index.html')).mtimeMs, newestIn(join(root, 'core')));
  if (built >= sources) return;
  execFileSync(process.execPath, [join(root, 'node_modules/vite/bin/vite.js'), 'build', '--config', join(root, 'web/vite.config.ts')], {
    cwd: root,
    stdio: 'inherit',
  });
}
