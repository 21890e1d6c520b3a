// The layering rules of docs/architecture.md, checked over the import graph of the source files (tests
// excluded). Pure: it takes file texts and returns the violations, so its own tests feed it a
// deliberately wrong import. `npm test` runs it over the repository (test/architecture/).
import { dirname, join, normalize } from 'node:path';

export type SourceImport = { from: string; to: string; typeOnly: boolean };

/** From the composition root down: a file may import its own floor or any floor below. */
const floors: [prefix: string, floor: number][] = [
  ['bin/', 5],
  ['cli/', 5],
  ['bench/', 5],
  ['scripts/', 5],
  ['app/', 4],
  ['api/', 3],
  ['web/', 3],
  ['worker.ts', 3],
  ['activities/', 2],
  ['churn/', 2],
  ['ingestion/', 2],
  ['journey-store/', 2],
  ['messaging/', 2],
  ['workflow-client/', 2],
  ['workflows/', 2],
  ['workspace/', 2],
  ['runtime/', 1],
  ['core/', 0],
];

/** Libraries the pure core may use: no I/O, no clock of their own. */
const coreLibraries = new Set(['zod', 'luxon', 'handlebars', 'yaml', 'node:crypto']);

/**
 * Imports that run up a floor on purpose, each with its reason (docs/architecture.md repeats them).
 * At most three: more would mean the floors are drawn wrong.
 */
export const allowedUpwardImports: { from: string; to: string; why: string }[] = [];

export function floorOf(file: string): number | null {
  for (const [prefix, floor] of floors) if (file === prefix || file.startsWith(prefix)) return floor;
  return null;
}

/** The imports of one TypeScript file: static, re-exports and dynamic `import('...')` with a literal. */
export function importsOf(file: string, text: string): SourceImport[] {
  const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
  const found: SourceImport[] = [];
  const add = (specifier: string, typeOnly: boolean) => {
    const to = specifier.startsWith('.') ? normalize(join(dirname(file), specifier)) : specifier;
    found.push({ from: file, to, typeOnly });
  };
  const statement = /^\s*(import|export)\s+(type\s+)?([^'";]*?)\s*from\s*['"]([^'"]+)['"]/gm;
  for (const match of code.matchAll(statement)) {
    const clause = match[3] ?? '';
    const names = /^\{([\s\S]*)\}$/.exec(clause.trim())?.[1];
    const allTypes = names?.split(',').every((name) => name.trim() === '' || /^type\s/.test(name.trim()));
    add(match[4] as string, Boolean(match[2]) || allTypes === true);
  }
  for (const match of code.matchAll(/^\s*import\s+['"]([^'"]+)['"]/gm)) add(match[1] as string, false);
  for (const match of code.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)) add(match[1] as string, false);
  return found;
}

const isProjectFile = (to: string) => floorOf(to) !== null;

/** Every violation of the rules, as one readable line each; empty when the graph is in shape. */
export function layeringViolations(files: Record<string, string>): string[] {
  const imports = Object.entries(files).flatMap(([file, text]) => importsOf(file, text));
  const problems: string[] = [];
  for (const { from, to, typeOnly } of imports) {
    const line = `${from} imports ${to}`;
    if (from.startsWith('core/')) {
      if (isProjectFile(to) ? !to.startsWith('core/') : !coreLibraries.has(to))
        problems.push(`${line}: the core imports only the core and pure libraries (${[...coreLibraries].join(', ')})`);
      continue;
    }
    if (from.startsWith('workflows/')) {
      const allowed =
        to === '@temporalio/workflow' ||
        to.startsWith('core/') ||
        to.startsWith('workflows/') ||
        (typeOnly && to.startsWith('activities/'));
      if (!allowed) problems.push(`${line}: workflows import only @temporalio/workflow, the core, their signals and activity types`);
      continue;
    }
    if (from.startsWith('web/')) {
      if (isProjectFile(to) && !to.startsWith('web/') && !to.startsWith('core/'))
        problems.push(`${line}: the web app runs in the browser and imports only itself and the pure core`);
      continue;
    }
    if (from.startsWith('runtime/') && isProjectFile(to) && !to.startsWith('runtime/')) {
      problems.push(`${line}: runtime/ is infrastructure and imports nothing else of the project`);
      continue;
    }
    if (to.startsWith('app/') && !from.startsWith('app/') && !from.startsWith('cli/') && !from.startsWith('bin/')) {
      problems.push(`${line}: only the CLI imports the composition root`);
      continue;
    }
    if ((to === 'api/server.ts' || to === 'worker.ts') && !from.startsWith('app/') && !from.startsWith('bench/')) {
      problems.push(`${line}: only the composition root assembles the API server and the worker`);
      continue;
    }
    if (from.startsWith('cli/') && to.startsWith('api/')) {
      problems.push(`${line}: the CLI never imports the HTTP layer`);
      continue;
    }
    const fromFloor = floorOf(from);
    const toFloor = floorOf(to);
    if (
      fromFloor !== null &&
      toFloor !== null &&
      toFloor > fromFloor &&
      !allowedUpwardImports.some((a) => a.from === from && a.to === to)
    ) {
      problems.push(`${line}: runs up from floor ${fromFloor} to floor ${toFloor}`);
    }
  }
  for (const circle of circles(imports.filter((edge) => isProjectFile(edge.to)))) problems.push(`import circle: ${circle.join(' -> ')}`);
  return problems;
}

/** The import circles among project files (type-only imports count: they tie the modules as much). */
export function circles(edges: SourceImport[]): string[][] {
  const next = new Map<string, string[]>();
  for (const { from, to } of edges) next.set(from, [...(next.get(from) ?? []), to]);
  const found: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (file: string) => {
    state.set(file, 'open');
    path.push(file);
    for (const to of next.get(file) ?? []) {
      if (state.get(to) === 'open') found.push([...path.slice(path.indexOf(to)), to]);
      else if (!state.has(to)) visit(to);
    }
    path.pop();
    state.set(file, 'done');
  };
  for (const file of [...next.keys()].sort()) if (!state.has(file)) visit(file);
  return found;
}
