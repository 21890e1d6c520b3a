// `aftercare policies show|set FILE|history`: the business's send policies from the command line, the
// same versions GET/PUT /v1/policies serve (DATABASE_URL, or the running engine). `set` takes a YAML or
// JSON file, so the policies can live in the business's repository beside its journeys.
import type { Command } from 'commander';
import type { PolicyDocument } from '../core/policy/policy-document.ts';
import { openDatabase } from './engine-connection.ts';
import { write } from './format.ts';
import { parseDataFile, readInput, sentence } from './input-files.ts';

export type PoliciesCommandHooks = { usageError: (message: string) => Error; finished: () => void };

/** The policies in words, a line a setting. */
export function describePolicies(policies: PolicyDocument): string[] {
  const caps = (list: PolicyDocument['caps']['marketing']) =>
    list.length === 0 ? 'no cap' : list.map((cap) => `at most ${cap.count} in ${cap.window}`).join(', ');
  return [
    `  Quiet hours:        ${policies.quietHours === false ? 'none' : `${policies.quietHours.from} to ${policies.quietHours.to}, in each customer's time zone`}`,
    `  Marketing emails:   ${caps(policies.caps.marketing)}`,
    `  Check-in surveys:   ${caps(policies.caps.survey)}`,
    `  Decision window:    ${policies.decisionWindow === 'PT0S' ? 'none (first come, first served)' : policies.decisionWindow}`,
  ];
}

export function registerPoliciesCommands(program: Command, hooks: PoliciesCommandHooks): void {
  const policies = program.command('policies').description('the send policies: quiet hours, frequency caps, the priority decision window');

  policies
    .command('show')
    .description('print the policies in force and their version (DATABASE_URL, or the running engine)')
    .option('--json', 'print them as JSON, in the form `policies set` takes')
    .action(async (options: { json?: boolean }) => {
      const db = await openDatabase('the database to read');
      const { currentPolicyVersion } = await import('../messaging/send-policies.ts');
      try {
        const current = await currentPolicyVersion(db);
        if (options.json) await write(`${JSON.stringify(current.policies, null, 2)}\n`);
        else {
          const origin =
            current.version === 0
              ? 'the built-in defaults'
              : `set ${current.createdAt?.slice(0, 16).replace('T', ' ')} UTC${current.createdBy?.name ? ` by ${current.createdBy.name}` : ''}${current.note ? `: "${current.note}"` : ''}`;
          await write([`Send policies, version ${current.version} (${origin})`, ...describePolicies(current.policies), ''].join('\n'));
        }
      } finally {
        await db.$disconnect();
      }
      hooks.finished();
    });

  policies
    .command('set')
    .description('make the policies in FILE (YAML or JSON) the version in force, unless they are already')
    .argument('<file>', 'the policies: quietHours, caps { marketing, survey }, decisionWindow')
    .option('--note <text>', 'why, kept with the version')
    .action(async (file: string, options: { note?: string }) => {
      const text = await readInput(file, 'policies file', hooks.usageError);
      const raw = await parseDataFile(file, text, hooks.usageError);
      if (raw === null || raw === undefined) throw hooks.usageError(`${file} is empty: it should hold the send policies.`);
      const { policyDocumentSchema } = await import('../core/policy/policy-document.ts');
      const parsed = policyDocumentSchema.safeParse(raw);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        const path = (issue?.path ?? []).map((part) => (typeof part === 'number' ? `[${part}]` : `.${String(part)}`)).join('');
        throw hooks.usageError(sentence(`${file}: ${path.replace(/^\./, '') || '(the file)'} ${issue?.message ?? 'is invalid'}`));
      }
      if (options.note !== undefined && options.note.length > 500) throw hooks.usageError('--note must be at most 500 characters.');
      const db = await openDatabase('the database to change');
      const { publishPolicies } = await import('../messaging/send-policies.ts');
      try {
        const { changed, current } = await publishPolicies(db, null, parsed.data, { note: options.note });
        await write(
          changed
            ? `Send policies version ${current.version} is in force: every send decided from now on follows it.\n`
            : `The send policies are unchanged: version ${current.version} already says this.\n`,
        );
      } finally {
        await db.$disconnect();
      }
      hooks.finished();
    });

  policies
    .command('history')
    .description('list every version of the policies, newest first')
    .action(async () => {
      const db = await openDatabase('the database to read');
      const { listPolicyVersions } = await import('../messaging/send-policies.ts');
      try {
        const versions = await listPolicyVersions(db);
        const lines = versions.flatMap((version) => [
          `Version ${version.version}${version.createdAt ? `, ${version.createdAt.slice(0, 16).replace('T', ' ')} UTC` : ' (built in)'}${version.createdBy?.name ? ` by ${version.createdBy.name}` : ''}${version.note ? `: "${version.note}"` : ''}`,
          ...describePolicies(version.policies),
        ]);
        await write(`${lines.join('\n')}\n`);
      } finally {
        await db.$disconnect();
      }
      hooks.finished();
    });
}
