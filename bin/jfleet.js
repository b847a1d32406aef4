#!/usr/bin/env node
// Tiny launcher: the built entry does everything, including choosing the exit code.
import { run } from '../dist/main.js';
await run(process.argv.slice(2));
