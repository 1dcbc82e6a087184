/**
 * The command line as commander sees it: every command and flag with its description, `--version` and
 * `help <command>`. Commander only parses; each command decodes its flags with io-ts (see args.ts).
 */
import { Command, Option } from 'commander';
import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import type { CliError, Result } from './args.js';
import { decodeFlags, usageError } from './args.js';

/** One flag: its value's placeholder (none for a switch) and what it does. */
export interface Flag {
  readonly value?: string;
  readonly about: string;
  /** May be given several times (values collected in order). */
  readonly repeat?: true;
}

/** A command: what `help` says, its flags' codecs and descriptions, and what it runs on the decoded flags. */
export interface CliCommand {
  readonly name: string;
  readonly summary: string;
  readonly description?: string;
  readonly flags: Readonly<Record<string, Flag>>;
  readonly run: (flags: Record<string, unknown>) => Result;
}

/** A command whose flags are `props` (those in `required` must be given), one description for each. */
export function command<P extends t.Props, R extends keyof P & string>(spec: {
  readonly name: string;
  readonly summary: string;
  readonly description?: string;
  readonly props: P;
  readonly required: readonly R[];
  readonly flags: { readonly [K in keyof P]: Flag };
  readonly run: (o: t.TypeOf<t.TypeC<Pick<P, R>>> & t.TypeOf<t.PartialC<P>>) => Result;
}): CliCommand {
  const required = Object.fromEntries(spec.required.map((k) => [k, spec.props[k]])) as Pick<P, R>;
  const codec = t.intersection([t.type(required), t.partial(spec.props)]);
  return {
    name: spec.name,
    summary: spec.summary,
    ...(spec.description !== undefined ? { description: spec.description } : {}),
    flags: spec.flags,
    run: async (flags) => {
      const o = decodeFlags(flags, codec);
      return E.isLeft(o) ? o : spec.run(o.right);
    },
  };
}

/** Thrown while parsing (a flag given twice, an argument where none is taken): a usage error. */
export class ParseError extends Error {}

const EXIT_CODES = `
Exit codes: 0 success; 1 a run that failed (each failed unit listed with its reason);
2 a usage error, reported on one line before anything is written.`;

/**
 * The program over `commands`. Running a command stores its result in `outcome`; commander's own errors
 * are thrown (exitOverride) for the caller to report.
 */
export function program(commands: readonly CliCommand[], version: string, outcome: { result?: E.Either<CliError, void> }): Command {
  const p = new Command('optimpact')
    .description('Measure how hard a policy optimizes its future (Op) and its impact (Imp), in nats; pretrain, fine-tune and run the study.')
    .exitOverride()
    .configureOutput({ outputError: () => undefined })
    .helpCommand(false)
    .version(version, '-V, --version', 'print the version (package version and git commit)')
    .addHelpText('after', EXIT_CODES);
  for (const c of commands) {
    const sub = p
      .command(c.name)
      .summary(c.summary)
      .description(c.description ?? c.summary)
      .allowExcessArguments(true)
      .addHelpText('after', EXIT_CODES);
    for (const [name, f] of Object.entries(c.flags)) {
      const o = new Option(f.value === undefined ? `--${name}` : `--${name} ${f.value}`, f.about);
      if (f.value !== undefined && !f.value.endsWith('...>')) {
        // commander collects a variadic flag's values itself
        o.argParser((v: string, prev: unknown) => {
          if (f.repeat) return [...((prev as string[] | undefined) ?? []), v];
          if (prev !== undefined) throw new ParseError(`--${name} given twice`);
          return v;
        });
      }
      sub.addOption(o);
    }
    sub.action(async (_opts: unknown, cmd: Command) => {
      if (cmd.args.length > 0) {
        outcome.result = E.left(usageError(`unexpected argument "${cmd.args[0]}" (flags start with --; see optimpact help ${c.name})`));
        return;
      }
      const values = cmd.opts();
      const flags = Object.fromEntries(
        cmd.options.flatMap((o) => (values[o.attributeName()] === undefined ? [] : [[o.long!.slice(2), values[o.attributeName()]]])),
      );
      outcome.result = await c.run(flags);
    });
  }
  p.command('help')
    .argument('[command]')
    .description('show the help of a command')
    .action((name: string | undefined) => {
      const sub = name === undefined ? p : p.commands.find((x) => x.name() === name && x.name() !== 'help');
      if (sub === undefined) outcome.result = E.left(usageError(`help: unknown command "${name}" (commands: ${commands.map((x) => x.name).join(', ')})`));
      else sub.outputHelp();
    });
  return p;
}
