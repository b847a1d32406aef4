/**
 * Text a device sent (command output, file content in a diff, fact values, check output, gate
 * output) as it may be shown to the operator. A compromised kiosk must not drive the
 * technician's terminal (set the clipboard with OSC 52, retitle it, clear the screen, overwrite
 * a line with CR, reorder it with a bidi override), so on a terminal every control character but
 * newline and tab is shown as a visible escape (\x1b, \x07, \u202e): the technician sees that
 * something odd was sent. Piped output and --json keep the bytes exactly. Pure.
 */
import { TERMINAL_CONTROLS } from '../../errors.js';

/** Every control character of `s` (TERMINAL_CONTROLS) written as \xHH, or \uHHHH above U+00FF. */
export function escapeControls(s: string): string {
  return s.replace(TERMINAL_CONTROLS, (ch) => {
    const code = ch.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

/** A stream's text filter: escapeControls on a terminal, the text unchanged when piped. */
export function deviceText(stream: { isTTY?: boolean }): (s: string) => string {
  return stream.isTTY ? escapeControls : (s) => s;
}
