/**
 * Every interactive question jfleet asks goes through here. Ctrl-C (or SIGINT/SIGTERM through
 * ctx.signal) becomes CancelledError (exit 130). Each prompt has a flag twin in its command;
 * without a terminal (or with CI set) commands never reach this module: they name the
 * missing flags instead (requireFlags).
 */
import type { Context } from '../context.js';
import { CancelledError, UserError } from '../errors.js';
import { colors } from './render/color.js';

export interface Choice<T> {
  value: T;
  name: string;
  description?: string;
}

type Validate = (value: string) => true | string;

function streams(ctx: Context) {
  return { input: ctx.stdin, output: ctx.stdout as NodeJS.WritableStream, signal: ctx.signal, clearPromptOnDone: false };
}

/** The key hints under a list ("↑↓ navigate • ⏎ select") in the run's language. */
function listTheme(ctx: Context) {
  const words: Record<string, string> = { navigate: ctx.t('prompts.keys.navigate'), select: ctx.t('prompts.keys.select') };
  const pc = colors(ctx);
  return {
    style: {
      keysHelpTip: (keys: Array<[string, string]>) => keys.map(([key, action]) => `${pc.bold(key)} ${pc.dim(words[action] ?? action)}`).join(pc.dim(' • ')),
    },
  };
}

async function guard<T>(cancelled: string, p: () => Promise<T>): Promise<T> {
  try {
    return await p();
  } catch (e) {
    const name = (e as Error)?.name;
    if (name === 'ExitPromptError' || name === 'AbortPromptError' || name === 'CancelPromptError') throw new CancelledError(cancelled);
    throw e;
  }
}

/** Refuses (exit 2) when a prompt would be needed but there is no terminal, naming the flags to pass. */
export function requireFlags(ctx: Context, missing: string[], what: string, hint?: string): void {
  if (missing.length === 0 || ctx.interactive) return;
  const flags = missing.join(', ');
  throw new UserError(ctx.env.CI ? ctx.t('prompts.missingFlagsCI', { flags, what }) : ctx.t('prompts.missingFlags', { flags, what }), {
    hint: hint ?? ctx.t('prompts.passFlags', { flags: missing.join(ctx.t('prompts.and')) }),
  });
}

export async function askText(ctx: Context, opts: { message: string; default?: string; validate?: Validate; required?: boolean }): Promise<string> {
  const { input } = await import('@inquirer/prompts');
  return guard(ctx.t('common.cancelled'), () =>
    input(
      {
        message: opts.message,
        default: opts.default,
        required: opts.required,
        validate: (v: string) => (opts.validate ? opts.validate(v) : true),
      },
      streams(ctx),
    ),
  );
}

export async function askSearch<T>(ctx: Context, opts: { message: string; source: (term: string) => Array<Choice<T>>; pageSize?: number }): Promise<T> {
  const { search } = await import('@inquirer/prompts');
  return guard(ctx.t('common.cancelled'), () =>
    search<T>({ message: opts.message, source: (term) => opts.source(term ?? ''), pageSize: opts.pageSize ?? 8, theme: listTheme(ctx) }, streams(ctx)),
  );
}

export async function askSelect<T>(ctx: Context, opts: { message: string; choices: Array<Choice<T>>; default?: T }): Promise<T> {
  const { select } = await import('@inquirer/prompts');
  return guard(ctx.t('common.cancelled'), () =>
    select<T>({ message: opts.message, choices: opts.choices, default: opts.default, theme: listTheme(ctx) }, streams(ctx)),
  );
}

export async function askConfirm(ctx: Context, opts: { message: string; default?: boolean }): Promise<boolean> {
  const def = opts.default ?? false;
  if (ctx.lang === 'en') {
    const { confirm } = await import('@inquirer/prompts');
    return guard(ctx.t('common.cancelled'), () => confirm({ message: opts.message, default: def }, streams(ctx)));
  }
  const confirmInWords = await sayingConfirm(ctx);
  return guard(ctx.t('common.cancelled'), () => confirmInWords({ message: opts.message, default: def }, streams(ctx)));
}

/**
 * A yes/no question in the catalog's words, drawn as @inquirer/confirm draws it. confirm 5 takes
 * only the final answer's look from its config: its hint is always "(Y/n)" and it reads y or n,
 * any other answer meaning the default, so an Indonesian "t" (tidak) at "(Y/t)" would be a yes.
 * Here the hint, the answers (y/ya, t/tidak; y/n too) and the answer shown (Ya/Tidak) come from
 * the catalog; Enter alone takes the default; an answer that is neither is asked again.
 */
async function sayingConfirm(ctx: Context) {
  const { createPrompt, isEnterKey, makeTheme, useKeypress, usePrefix, useState } = await import('@inquirer/core');
  const t = ctx.t;
  const list = (s: string) => s.split(',').map((w) => w.trim().toLowerCase());
  const yes = list(t('prompts.yesAnswers'));
  const no = list(t('prompts.noAnswers'));
  return createPrompt<boolean, { message: string; default: boolean }>((config, done) => {
    const theme = makeTheme();
    const [status, setStatus] = useState<'idle' | 'done'>('idle');
    const [value, setValue] = useState('');
    const [error, setError] = useState<string | undefined>(undefined);
    const prefix = usePrefix({ status, theme });
    useKeypress((key, rl) => {
      if (status !== 'idle') return;
      if (!isEnterKey(key)) {
        setValue(rl.line);
        setError(undefined);
        return;
      }
      const said = value.trim().toLowerCase();
      const answer = said === '' ? config.default : yes.includes(said) ? true : no.includes(said) ? false : undefined;
      if (answer === undefined) {
        rl.write(value);
        setError(t('prompts.answerYesOrNo'));
        return;
      }
      setValue(answer ? t('prompts.yes') : t('prompts.no'));
      setStatus('done');
      done(answer);
    });
    const message = theme.style.message(config.message, status);
    if (status === 'done') return `${prefix} ${message} ${theme.style.answer(value)}`;
    const hint = theme.style.defaultAnswer(config.default ? t('prompts.confirmHintYes') : t('prompts.confirmHintNo'));
    return [`${prefix} ${message} ${hint} ${value}`, error ? theme.style.error(error) : undefined];
  });
}

/**
 * "Are you sure?" with its flag twin: --yes skips it; without a terminal and without --yes it
 * refuses (exit 2) rather than hang; answering no cancels (exit 130).
 */
export async function confirmOrYes(ctx: Context, opts: { message: string; yes?: boolean; what: string }): Promise<void> {
  if (opts.yes) return;
  requireFlags(ctx, ['--yes'], opts.what);
  if (!(await askConfirm(ctx, { message: opts.message }))) throw new CancelledError(ctx.t('prompts.cancelledNothingChanged'));
}
