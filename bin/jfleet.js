#!/usr/bin/env node
// Tiny launcher: the built entry does everything, including choosing the exit code. It loads the
// bundle (scripts/bundle.mjs) when the build made one, else the plain tsc output.
import { existsSync } from 'node:fs';

const bundled = new URL('../dist/bundle/main.js', import.meta.url);
const { run } = await import(existsSync(bundled) ? bundled.href : '../dist/main.js');
await run(process.argv.slice(2));
