import { type Command, Option } from 'commander';
import type { Context } from '../../context.js';
import { forksOption, globals, jsonOption, limitOption, positiveInt, MAX_SECONDS, printJson, println } from '../shared.js';

/**
 * The root program's `-V, --version` would swallow `release add PATH --version V` (commander parses
 * known root options anywhere on the line). For that one subcommand, join `--version V` into
 * `--version=V`, which the root's flag does not match and which reaches `release add` intact.
 */
export function joinReleaseVersion(args: string[]): string[] {
  const at = args.findIndex((a, i) => a === 'release' && args[i + 1] === 'add');
  if (at < 0) return args;
  const out = args.slice(0, at + 2);
  for (let i = at + 2; i < args.length; i++) {
    // the next word is the version whatever it looks like ("-x", "", "--help"): the version
    // check then refuses it in one line, instead of commander reading it as another option
    if (args[i] === '--version') out.push(`--version=${args[++i] ?? ''}`);
    else out.push(args[i] as string);
  }
  return out;
}

/** jfleet release add|list, jfleet rollout [resume|status|abort]. */
export function register(program: Command, ctx: Context): void {
  const t = ctx.t;
  const parseOptions = program.parseOptions.bind(program);
  program.parseOptions = (args: string[]) => parseOptions(joinReleaseVersion(args));
  const release = program.command('release').description(t('help.release.description'));
  release
    .command('add')
    .description(t('help.release.add.description'))
    .argument('<path>', t('help.release.add.arg.path'))
    .requiredOption('--version <version>', t('help.release.add.opt.version'))
    .addOption(jsonOption(t))
    .addHelpText('after', () => t('help.release.add.helpAfter'))
    .action(async (path: string, o: { version: string; json?: boolean }) => {
      const { addRelease } = await import('../../rollout/release.js');
      const { release: r, created } = await addRelease(ctx, { path, version: o.version });
      if (o.json) printJson(ctx, { ...r.info, created });
      else
        println(
          ctx,
          t(created ? 'rollout.release.added' : 'rollout.release.alreadyPresent', {
            version: r.info.version,
            files: r.info.files,
            bytes: r.info.bytes,
            archiveBytes: r.info.archiveBytes,
            sha: `${r.info.archiveSha256.slice(0, 12)}…`,
          }),
        );
    });
  release
    .command('list')
    .description(t('help.release.list.description'))
    .addOption(jsonOption(t))
    .addHelpText('after', () => t('help.release.list.helpAfter'))
    .action(async (o: { json?: boolean }) => {
      const { listReleases } = await import('../../rollout/release.js');
      const { when } = await import('../render/speech.js');
      const list = listReleases(ctx);
      if (o.json) return printJson(ctx, list);
      if (list.length === 0) return println(ctx, t('rollout.release.none'));
      for (const r of list)
        println(
          ctx,
          `${r.version.padEnd(20)} ${t('rollout.release.listFiles', { files: String(r.files).padStart(4) })} ${String(r.archiveBytes).padStart(9)} B  ${when(ctx, r.addedAt)}${r.hasCheck ? `  ${t('rollout.release.hasCheck')}` : ''}`,
        );
    });

  const rollout = program
    .command('rollout')
    .description(t('help.rollout.description'))
    .addOption(new Option('-r, --release <version>', t('help.rollout.opt.release')))
    .addOption(limitOption(t))
    .option('--waves <list>', t('help.rollout.opt.waves'), '1,10%,50%,100%')
    .option('--max-fail <n|pct>', t('help.rollout.opt.maxFail'), '5%')
    .option('--junit <file>', t('help.rollout.opt.junit'))
    .option('--gate-timeout <seconds>', t('help.rollout.opt.gateTimeout'), positiveInt(t, '--gate-timeout', MAX_SECONDS), 30)
    .addOption(forksOption(t))
    .addOption(jsonOption(t))
    .addHelpText('after', () => t('help.rollout.helpAfter', { exitCodes: t('help.rollout.exitCodes') }))
    .action(
      async (
        o: { release?: string; limit?: string; waves: string; maxFail: string; junit?: string; gateTimeout: number; forks?: number; json?: boolean },
        cmd: Command,
      ) => {
        const { rolloutCommand } = await import('../handlers/rollout.js');
        await rolloutCommand(ctx, {
          release: o.release,
          limit: o.limit,
          inventory: globals(cmd).inventory,
          waves: o.waves,
          maxFail: o.maxFail,
          junit: o.junit,
          json: o.json,
          forks: o.forks,
          gateTimeoutMs: o.gateTimeout * 1000,
        });
      },
    );

  rollout
    .command('resume')
    .description(t('help.rollout.resume.description'))
    .option('--junit <file>', t('help.rollout.resume.opt.junit'))
    .addOption(forksOption(t))
    .addOption(jsonOption(t))
    .addHelpText('after', () => t('help.rollout.resume.helpAfter', { exitCodes: t('help.rollout.exitCodes') }))
    .action(async (_o: unknown, cmd: Command) => {
      // optsWithGlobals: `rollout` itself declares --json/--junit/--forks, so commander may file them there.
      const o = cmd.optsWithGlobals() as { junit?: string; forks?: number; json?: boolean };
      const { resumeCommand } = await import('../handlers/rollout.js');
      await resumeCommand(ctx, { junit: o.junit, json: o.json, forks: o.forks, inventory: globals(cmd).inventory });
    });

  rollout
    .command('status')
    .description(t('help.rollout.status.description'))
    .option('--id <n>', t('help.rollout.status.opt.id'), positiveInt(t, '--id'))
    .addOption(jsonOption(t))
    .addHelpText('after', () => t('help.rollout.status.helpAfter'))
    .action(async (_o: unknown, cmd: Command) => {
      const o = cmd.optsWithGlobals() as { id?: number; json?: boolean };
      const { statusCommand } = await import('../handlers/rollout.js');
      await statusCommand(ctx, o);
    });

  rollout
    .command('abort')
    .description(t('help.rollout.abort.description'))
    .addOption(jsonOption(t))
    .addHelpText('after', () => t('help.rollout.abort.helpAfter'))
    .action(async (_o: unknown, cmd: Command) => {
      const o = cmd.optsWithGlobals() as { json?: boolean };
      const { abortCommand } = await import('../handlers/rollout.js');
      await abortCommand(ctx, o);
    });
}
