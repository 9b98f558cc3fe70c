// `node scripts/screenshot.mjs [out.png]`: the README's picture of the widget, taken from the demo.
// Starts the demo (emulator mode, a temporary data folder, free ports), uploads two files through
// its signed-policy widget and a third over a slowed link (the emulator's bandwidth fault), and
// photographs the widget while the third is under way. Default output: docs/screenshot.png; it
// fails if the PNG reaches 100 kB (the README loads it first).
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';

const root = fileURLToPath(new URL('..', import.meta.url));
const out = process.argv[2] ?? join(root, 'docs', 'screenshot.png');
const LIMIT = 100_000;

register();
const { startDemo } = await import('../demo/app.ts');
const { launchChromium } = await import('../test/node/support/chromium.ts');

const work = await mkdtemp(join(tmpdir(), 'oss-screenshot-'));
// No OSS_* variables: the demo runs on its embedded emulator.
const demo = await startDemo({ port: 0, emulatorPort: 0, dataDir: join(work, 'data'), env: {} });
const browser = await launchChromium();
try {
  const faults = (body) => fetch(`${demo.emulator.url}/_emulator/faults`, { method: 'PUT', body: JSON.stringify(body) })
    .then((r) => { if (!r.ok) throw new Error(`faults: ${r.status}`); });
  const file = async (name, size) => {
    const path = join(work, name);
    await writeFile(path, Buffer.alloc(size, 7));
    return path;
  };
  const page = await browser.newPage();
  // Twice the pixels, sharp on high-density screens; the README shows it at half its size.
  await page.setViewport({ width: 560, height: 600, deviceScaleFactor: 2 });
  await page.goto(demo.url, { waitUntil: 'networkidle0' });
  const input = await page.waitForSelector('#signed-policy >>> input[type=file]');
  await input.uploadFile(await file('holiday-photo.jpg', 2_400_000), await file('contract.pdf', 310_000));
  await page.waitForFunction('document.querySelector("#signed-policy").files.filter((f) => f.status === "success").length === 2', { timeout: 20_000 });

  // About 20 s for the third file: the picture is taken while it is under way.
  await faults({ bandwidth: 300_000 });
  await input.uploadFile(await file('site-survey.mp4', 6_000_000));
  await page.waitForFunction('document.querySelector("#signed-policy").files.some((f) => f.name === "site-survey.mp4" && f.percent >= 40)', { timeout: 60_000 });

  const widget = await page.$('#signed-policy');
  const box = await widget.boundingBox();
  const margin = 12;
  await mkdir(dirname(out), { recursive: true });
  await page.screenshot({
    path: out,
    clip: { x: Math.max(0, box.x - margin), y: Math.max(0, box.y - margin), width: box.width + 2 * margin, height: box.height + 2 * margin },
  });
  await fetch(`${demo.emulator.url}/_emulator/faults`, { method: 'DELETE' });
  const { size } = await stat(out);
  process.stdout.write(`${relative(root, out)}: ${Math.round(box.width + 2 * margin)}×${Math.round(box.height + 2 * margin)} CSS px (twice that in the PNG), ${size} B\n`);
  if (size >= LIMIT) {
    process.stderr.write(`the screenshot is ${size} B, over ${LIMIT} B\n`);
    process.exitCode = 1;
  }
  // A PNG and nothing else (a failed capture would leave whatever was there before).
  const head = (await readFile(out)).subarray(0, 8).toString('hex');
  if (head !== '89504e470d0a1a0a') throw new Error(`${out} is not a PNG`);
} finally {
  await browser.close();
  await demo.close();
  await rm(work, { recursive: true, force: true });
}
