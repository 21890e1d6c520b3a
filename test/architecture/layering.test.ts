// The layers of docs/architecture.md hold in the code: checked over every source file's imports, and
// the check itself is shown to catch the wrong imports it exists for.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { allowedUpwardImports, circles, importsOf, layeringViolations } from '../../scripts/layering.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const skipped = new Set([
  'node_modules',
  'test',
  'generated',
  '.tools',
  '.data',
  '.git',
  '.scratch',
  'templates',
  'journeys',
  'prisma',
  'docs',
]);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (skipped.has(name) || name.startsWith('.')) return [];
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.tsx?$/.test(name) && !name.endsWith('.d.ts') && !name.includes('.config.') ? [relative(root, path)] : [];
  });
}

const repository = Object.fromEntries(sourceFiles(root).map((file) => [file, readFileSync(join(root, file), 'utf8')]));

describe('the layering of the code', () => {
  it('has no import circle and no import against the layers', () => {
    expect(Object.keys(repository).length).toBeGreaterThan(50);
    expect(layeringViolations(repository)).toEqual([]);
  });

  it('runs up a floor at most three times, each one named with its reason', () => {
    expect(allowedUpwardImports.length).toBeLessThanOrEqual(3);
    for (const allowed of allowedUpwardImports) expect(allowed.why.length).toBeGreaterThan(20);
  });
});

describe('the layering check', () => {
  const clean = {
    'core/journey/rules.ts': "import { z } from 'zod';\nexport const x = 1;\n",
    'ingestion/router.ts': "import { x } from '../core/journey/rules.ts';\n",
    'app/engine.ts': "import { buildApiServer } from '../api/server.ts';\nimport '../ingestion/router.ts';\n",
    'cli/main.ts': "const { startAll } = await import('../app/engine.ts');\n",
  };

  it('passes a graph that keeps the rules', () => {
    expect(layeringViolations(clean)).toEqual([]);
  });

  it('fails the core importing the database', () => {
    expect(layeringViolations({ ...clean, 'core/journey/bad.ts': "import type { Database } from '../../runtime/database.ts';\n" })).toEqual(
      [
        'core/journey/bad.ts imports runtime/database.ts: the core imports only the core and pure libraries (zod, luxon, handlebars, yaml, node:crypto)',
      ],
    );
  });

  it('fails the core importing an I/O library', () => {
    expect(layeringViolations({ ...clean, 'core/x.ts': "import pg from 'pg';\n" })).toHaveLength(1);
  });

  it('fails a workflow importing an activity module for its values, and passes its types', () => {
    expect(
      layeringViolations({ ...clean, 'workflows/a.ts': "import { sendMessage } from '../activities/journey-activities.ts';\n" }),
    ).toHaveLength(1);
    expect(
      layeringViolations({ ...clean, 'workflows/a.ts': "import type { JourneyActivities } from '../activities/journey-activities.ts';\n" }),
    ).toEqual([]);
    expect(
      layeringViolations({ ...clean, 'workflows/a.ts': "import { type A, type B } from '../activities/journey-activities.ts';\n" }),
    ).toEqual([]);
  });

  it('fails runtime/ importing the application, a module below the root importing it, and the CLI importing the HTTP layer', () => {
    expect(layeringViolations({ ...clean, 'runtime/engine.ts': "import { x } from '../ingestion/router.ts';\n" })[0]).toMatch(
      /runtime\/ is infrastructure/,
    );
    expect(layeringViolations({ ...clean, 'ingestion/x.ts': "import { startAll } from '../app/engine.ts';\n" })[0]).toMatch(
      /only the CLI imports the composition root/,
    );
    expect(layeringViolations({ ...clean, 'cli/x.ts': "import { checkDefinition } from '../api/journeys-routes.ts';\n" })[0]).toMatch(
      /the CLI never imports the HTTP layer/,
    );
  });

  it('fails the web app importing server code, and passes its imports of the pure core', () => {
    expect(layeringViolations({ ...clean, 'web/src/page.tsx': "import { can } from '../../core/journey/rules.ts';\n" })).toEqual([]);
    expect(layeringViolations({ ...clean, 'web/src/page.tsx': "import { x } from '../../ingestion/router.ts';\n" })[0]).toMatch(
      /runs in the browser/,
    );
  });

  it('fails an import that runs up a floor, and a circle', () => {
    expect(layeringViolations({ ...clean, 'messaging/x.ts': "import { errorBody } from '../api/errors.ts';\n" })[0]).toMatch(
      /runs up from floor 2 to floor 3/,
    );
    expect(
      circles([
        { from: 'a.ts', to: 'b.ts', typeOnly: false },
        { from: 'b.ts', to: 'c.ts', typeOnly: true },
        { from: 'c.ts', to: 'a.ts', typeOnly: false },
      ]),
    ).toEqual([['a.ts', 'b.ts', 'c.ts', 'a.ts']]);
  });

  it('reads static, type-only, re-exported and dynamic imports, and ignores commented ones', () => {
    const text = [
      "import { a } from './a.ts';",
      "import type { B } from '../b.ts';",
      "export { c } from './c.ts';",
      "// import { d } from './d.ts';",
      "const e = await import('./e.ts');",
    ].join('\n');
    expect(importsOf('ingestion/x.ts', text)).toEqual([
      { from: 'ingestion/x.ts', to: 'ingestion/a.ts', typeOnly: false },
      { from: 'ingestion/x.ts', to: 'b.ts', typeOnly: true },
      { from: 'ingestion/x.ts', to: 'ingestion/c.ts', typeOnly: false },
      { from: 'ingestion/x.ts', to: 'ingestion/e.ts', typeOnly: false },
    ]);
  });
});
