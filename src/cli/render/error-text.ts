/**
 * How an error's words reach the operator in the run's language. Lower layers write English
 * (a UserError's message, an InputIssue's, a zod issue's); the CLI says it through the catalog:
 * src/i18n/locales/*.ts `errors` holds each such sentence as an English template and its
 * translation, and ctx.t.phrase() matches one to the other. A sentence with no template reads
 * in English (the fallback), so a new message is never lost, only untranslated.
 */
import type { Translate } from '../../i18n/catalog.js';
import { formatIssue, type InputIssue, type UserError } from '../../errors.js';

export function errorText(t: Translate, english: string): string {
  return t.phrase(english);
}

/** A located issue, `file:line field: message`, with the message in the run's language. */
export function issueText(t: Translate, issue: InputIssue): string {
  // a file and a field are a path and a key, said as they are; only the two that are words are translated:
  // the "environment" a JFLEET_* value is located in, and a CSV's "column N"
  const file = issue.file === 'environment' ? t.phrase(issue.file) : issue.file;
  const field = issue.field !== undefined && /^column \d+$/.test(issue.field) ? t.phrase(issue.field) : issue.field;
  return formatIssue({ ...issue, file, field, message: t.phrase(issue.message) });
}

export function userErrorText(t: Translate, err: UserError): string {
  return t.phrase(err.message);
}
