/** QEMU's human monitor over its unix socket: send one command, wait for the next "(qemu)" prompt. */
import { connect } from 'node:net';

export function monitorCommand(socket: string, command: string, timeoutMs = 15_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect(socket);
    let buf = '';
    let sent = false;
    const timer = setTimeout(() => {
      s.destroy();
      reject(new Error(`QEMU monitor (${socket}) did not answer "${command}" within ${timeoutMs} ms`));
    }, timeoutMs);
    s.on('data', (b) => {
      buf += b.toString('utf8');
      if (!sent && buf.includes('(qemu)')) {
        sent = true;
        buf = '';
        s.write(`${command}\n`);
      } else if (sent && buf.includes('(qemu)')) {
        clearTimeout(timer);
        s.end();
        // the echo of the command, the answer, then the prompt (terminal escapes stripped)
        const clean = buf.replace(/\x1b\[[0-9;]*[A-Za-z]/g, '').replace(/\r/g, '');
        const body = clean.slice(0, clean.lastIndexOf('(qemu)'));
        // the monitor echoes the command as it is typed: the answer is what follows its last echo
        const echo = body.lastIndexOf(command);
        resolve((echo >= 0 ? body.slice(echo + command.length) : body).trim());
      }
    });
    s.on('error', (e) => {
      clearTimeout(timer);
      reject(new Error(`QEMU monitor (${socket}): ${e.message}`));
    });
  });
}
