#!/usr/bin/env node
// Runs the built emulator (dist/), or the TypeScript source through tsx in a development checkout.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const built = new URL('../dist/emulator/cli.js', import.meta.url);
if (existsSync(fileURLToPath(built))) {
  await import(built.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import(new URL('../src/emulator/cli.ts', import.meta.url).href);
}
