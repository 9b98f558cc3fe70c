// Empties dist/ before a build, so that nothing a former build left (old chunks, maps) is published.
import { rm } from 'node:fs/promises';

await rm(new URL('../dist', import.meta.url), { recursive: true, force: true });
