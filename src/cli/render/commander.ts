/**
 * Commander's own words (help headings, its usage errors) in the run's language. Commander
 * writes them in English; the headings go through Help.styleTitle and the errors through
 * outputError, so both are translated there without forking commander.
 */
import type { Argument, Option } from 'commander';
import type { Translate } from '../../i18n/catalog.js';
import type { Lang } from '../../i18n/language.js';

const TITLES = {
  'Usage:': 'commander.usage',
  'Arguments:': 'commander.arguments',
  'Options:': 'commander.options',
  'Global Options:': 'commander.globalOptions',
  'Commands:': 'commander.commands',
} as const;

export function helpTitle(t: Translate, title: string): string {
  const key = TITLES[title as keyof typeof TITLES];
  return key ? t(key) : title;
}

/** Commander's "[options]" and "[command]" in a usage line or a command-list term, in the run's language. */
export function usageWords(t: Translate, usage: string): string {
  return usage.replace(/\[options\]/g, t('commander.optionsPlaceholder')).replace(/\[command\]/g, t('commander.commandPlaceholder'));
}

/**
 * An option's or argument's description with commander's extras after it ("(default: 30)",
 * "(choices: ...)", "(env: ...)") in the run's language: commander's own Help.optionDescription
 * and argumentDescription, word for word in English, with the labels from the catalog.
 */
export function optionDescription(t: Translate, o: Option): string {
  const extras: string[] = [];
  if (o.argChoices) extras.push(t('commander.choices', { choices: o.argChoices.map((c) => JSON.stringify(c)).join(', ') }));
  const showDefault = o.required || o.optional || (o.isBoolean() && typeof o.defaultValue === 'boolean');
  if (o.defaultValue !== undefined && showDefault) extras.push(t('commander.default', { value: o.defaultValueDescription || JSON.stringify(o.defaultValue) }));
  if (o.presetArg !== undefined && o.optional) extras.push(t('commander.preset', { value: JSON.stringify(o.presetArg) }));
  if (o.envVar !== undefined) extras.push(t('commander.env', { env: o.envVar }));
  return withExtras(t, o.description, extras);
}

export function argumentDescription(t: Translate, a: Argument): string {
  const extras: string[] = [];
  if (a.argChoices) extras.push(t('commander.choices', { choices: a.argChoices.map((c) => JSON.stringify(c)).join(', ') }));
  if (a.defaultValue !== undefined) extras.push(t('commander.default', { value: a.defaultValueDescription || JSON.stringify(a.defaultValue) }));
  return withExtras(t, a.description, extras);
}

function withExtras(t: Translate, description: string, extras: string[]): string {
  if (extras.length === 0) return description;
  const said = t('commander.extras', { extras: extras.join(', ') });
  return description ? `${description} ${said}` : said;
}

/** The errors commander raises, as English templates (its source) and catalog keys. */
const ERRORS: Array<[RegExp, (m: RegExpExecArray, t: Translate) => string]> = [
  [
    /^error: unknown option '([^']*)'(?:\n\(Did you mean (.*)\?\))?/,
    (m, t) => t('commander.unknownOption', { option: m[1] ?? '' }) + (m[2] ? `\n${t('commander.didYouMean', { suggestion: m[2] })}` : ''),
  ],
  [
    /^error: unknown command '([^']*)'(?:\n\(Did you mean (.*)\?\))?/,
    (m, t) => t('commander.unknownCommand', { command: m[1] ?? '' }) + (m[2] ? `\n${t('commander.didYouMean', { suggestion: m[2] })}` : ''),
  ],
  [/^error: missing required argument '([^']*)'/, (m, t) => t('commander.missingArgument', { argument: m[1] ?? '' })],
  [/^error: option '([^']*)' argument missing/, (m, t) => t('commander.optionArgumentMissing', { option: m[1] ?? '' })],
  [/^error: required option '([^']*)' not specified/, (m, t) => t('commander.requiredOption', { option: m[1] ?? '' })],
  [
    /^error: too many arguments(?: for '([^']*)')?\. Expected (\d+) arguments? but got (\d+)\./,
    (m, t) => t('commander.tooManyArguments', { expected: Number(m[2]), got: Number(m[3]) }),
  ],
  [
    /^error: option '([^']*)' argument '([^']*)' is invalid\. ?(.*)/s,
    (m, t) => t('commander.invalidArgument', { option: m[1] ?? '', value: m[2] ?? '', reason: t.phrase((m[3] ?? '').trim()) }),
  ],
  [/^error: (.*) cannot be used with (.*)/, (m, t) => t('commander.conflict', { a: m[1] ?? '', b: m[2] ?? '' })],
];

/** One commander error line (its "error: " prefix included) in the run's language. */
export function commanderError(t: Translate, text: string, lang: Lang): string {
  if (lang === 'en') return text; // commander's own English, byte for byte
  for (const [re, say] of ERRORS) {
    const m = re.exec(text);
    if (m) return `${t('common.errorPrefix')}: ${say(m, t)}${text.endsWith('\n') ? '\n' : ''}`;
  }
  return text;
}
