// `node scripts/screenshot.mjs [folder]`: the README's pictures of the widget, taken from the demo.
// Starts the demo (emulator mode, a temporary data folder, free ports) and, for each picture, fills
// its signed-policy widget with files in several states — two stored (a photo with its thumbnail
// and a PDF), one failed (an injected OSS error, no retry), two under way over a slowed link (the
// emulator's bandwidth fault; the batch summary shows) and one refused by type — and photographs
// the widget:
//   screenshot-light.png  light system scheme, the demo's light page
//   screenshot-dark.png   dark system scheme, the demo restyled as a dark page
//   screenshot-zh-CN.png  lang="zh-CN" on the widget, Chinese file names
//   screenshot-narrow.png a 320 px wide window
// Default folder: docs/. Each PNG must stay under 200 kB (the README loads them).
// The zh-CN picture needs a CJK font on the machine (Debian: fonts-wqy-microhei or fonts-noto-cjk):
// without one Chromium draws boxes, and the script warns.
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';

const root = fileURLToPath(new URL('..', import.meta.url));
const folder = process.argv[2] ?? join(root, 'docs');
// The README shows four of them: each at most 200 kB (five rows, a note and a thumbnail at 2x).
const LIMIT = 200_000;

/** The demo page as a dark site would style it (the demo itself is light only). */
const DARK_PAGE = `
  :root { color-scheme: dark; color: #e6edf3; background: #0d1117; }
  header, section { background: #161b22; border-color: #30363d; }
  header p, section > p { color: #9198a1; }
  code { background: #262c36; }
`;

const SHOTS = [
  { name: 'light', width: 560, scheme: 'light' },
  { name: 'dark', width: 560, scheme: 'dark' },
  { name: 'zh-CN', width: 560, scheme: 'light', lang: 'zh-CN' },
  { name: 'narrow', width: 320, scheme: 'light' },
];

const NAMES = {
  en: { photo: 'holiday-photo.jpg', pdf: 'contract.pdf', sheet: 'budget-2026.xlsx', video: 'site-survey.mp4', audio: 'interview.m4a', refused: 'setup.exe' },
  'zh-CN': { photo: '假期照片.jpg', pdf: '租赁合同.pdf', sheet: '2026年预算.xlsx', video: '现场勘察.mp4', audio: '客户访谈.m4a', refused: '安装程序.exe' },
};

function cjkFont() {
  try {
    return execFileSync('fc-list', [':lang=zh', 'family'], { encoding: 'utf8' }).trim() !== '';
  } catch {
    return undefined; // no fc-list: cannot tell
  }
}

register();
const { startDemo } = await import('../demo/app.ts');
const { launchChromium } = await import('../test/node/support/chromium.ts');

if (cjkFont() === false) process.stderr.write('warning: no CJK font found (fc-list :lang=zh): screenshot-zh-CN.png will show boxes\n');

const work = await mkdtemp(join(tmpdir(), 'oss-screenshot-'));
// No OSS_* variables: the demo runs on its embedded emulator.
const demo = await startDemo({ port: 0, emulatorPort: 0, dataDir: join(work, 'data'), env: {} });
const browser = await launchChromium();
const faults = (body) => fetch(`${demo.emulator.url}/_emulator/faults`, { method: 'PUT', body: JSON.stringify(body) })
  .then((r) => { if (!r.ok) throw new Error(`faults: ${r.status}`); });
try {
  await mkdir(folder, { recursive: true });
  for (const shot of SHOTS) {
    const names = NAMES[shot.lang ?? 'en'];
    const page = await browser.newPage();
    // Twice the pixels, sharp on high-density screens; the README shows them at half their size.
    await page.setViewport({ width: shot.width, height: 1600, deviceScaleFactor: 2 }); // tall: the widget never scrolls
    await page.emulateMediaFeatures([{ name: 'prefers-color-scheme', value: shot.scheme }]);
    await page.goto(demo.url, { waitUntil: 'networkidle0' });
    if (shot.scheme === 'dark') await page.addStyleTag({ content: DARK_PAGE });
    await page.evaluate((lang) => {
      const el = document.querySelector('#signed-policy');
      if (lang) el.setAttribute('lang', lang);
    }, shot.lang ?? '');
    const add = (files) => page.evaluate(async (files) => {
      const made = await Promise.all(files.map(async ({ name, size, type, photo }) => {
        if (!photo) return new File([new Uint8Array(size).fill(7)], name, { type });
        // A photo the thumbnail can show: a sky, a sea and a sun, as a JPEG.
        const canvas = new OffscreenCanvas(1200, 800);
        const g = canvas.getContext('2d');
        const sky = g.createLinearGradient(0, 0, 0, 800);
        sky.addColorStop(0, '#5b9bd5');
        sky.addColorStop(0.55, '#f4c27a');
        sky.addColorStop(0.56, '#2f6f8f');
        sky.addColorStop(1, '#173b4f');
        g.fillStyle = sky;
        g.fillRect(0, 0, 1200, 800);
        g.fillStyle = '#ffe08a';
        g.beginPath();
        g.arc(820, 400, 90, Math.PI, 2 * Math.PI);
        g.fill();
        return new File([await canvas.convertToBlob({ type: 'image/jpeg', quality: 0.85 })], name, { type: 'image/jpeg' });
      }));
      await document.querySelector('#signed-policy').addFiles(made);
    }, files);
    const count = (status) => page.evaluate((status) => document.querySelector('#signed-policy').files.filter((f) => f.status === status).length, status);
    const until = async (check, what, ms = 60_000) => {
      const end = Date.now() + ms;
      while (!(await check())) {
        if (Date.now() > end) throw new Error(`${shot.name}: no ${what} within ${ms} ms`);
        await new Promise((r) => setTimeout(r, 100));
      }
    };

    await faults({});
    await add([{ name: names.photo, photo: true }, { name: names.pdf, size: 310_000, type: 'application/pdf' }]);
    await until(async () => (await count('success')) === 2, 'two stored files');
    // One failure, not retried: the row shows OSS's error.
    await page.evaluate(() => document.querySelector('#signed-policy').setAttribute('retries', '0'));
    await faults({ failures: [{ op: 'PostObject', rate: 1, kind: 'error', count: 1 }] });
    await add([{ name: names.sheet, size: 48_000, type: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' }]);
    await until(async () => (await count('error')) === 1, 'failed file');
    // About 30 s for the video, 40 s for the audio: the picture is taken while both are under way.
    await faults({ bandwidth: 300_000 });
    await add([{ name: names.video, size: 9_000_000, type: 'video/mp4' }, { name: names.audio, size: 12_000_000, type: 'audio/mp4' }]);
    await until(() => page.evaluate((name) => document.querySelector('#signed-policy').files.some((f) => f.name === name && f.percent >= 40), names.video), 'video at 40 %');
    // The speed and time left show once measured (a few seconds): wait for them, but not forever.
    await page.waitForFunction('!!document.querySelector("#signed-policy").shadowRoot.querySelector("[part~=rate]")', { timeout: 15_000 })
      .catch(() => process.stderr.write(`${shot.name}: no speed shown yet\n`));
    // A refused file: its note states the rule.
    await page.evaluate(() => document.querySelector('#signed-policy').setAttribute('accept', 'image/*,video/*,.pdf,.xlsx'));
    await add([{ name: names.refused, size: 1000, type: 'application/octet-stream' }]);
    await page.waitForFunction('!!document.querySelector("#signed-policy").shadowRoot.querySelector("[part~=rejection]")');
    // Thumbnails decode off the main thread: give them a moment.
    await new Promise((r) => setTimeout(r, 500));

    // In the document's coordinates, as the clip is.
    const box = await page.evaluate(() => {
      const r = document.querySelector('#signed-policy').getBoundingClientRect();
      return { x: r.x + scrollX, y: r.y + scrollY, width: r.width, height: r.height };
    });
    const margin = 12;
    const out = join(folder, `screenshot-${shot.name}.png`);
    await page.screenshot({
      path: out,
      clip: { x: Math.max(0, box.x - margin), y: Math.max(0, box.y - margin), width: box.width + 2 * margin, height: box.height + 2 * margin },
    });
    await faults({});
    await page.close();
    const { size } = await stat(out);
    process.stdout.write(`${relative(root, out)}: ${Math.round(box.width + 2 * margin)}×${Math.round(box.height + 2 * margin)} CSS px (twice that in the PNG), ${size} B\n`);
    if (size >= LIMIT) {
      process.stderr.write(`${out} is ${size} B, over ${LIMIT} B\n`);
      process.exitCode = 1;
    }
    // A PNG and nothing else (a failed capture would leave whatever was there before).
    const head = (await readFile(out)).subarray(0, 8).toString('hex');
    if (head !== '89504e470d0a1a0a') throw new Error(`${out} is not a PNG`);
  }
} finally {
  await browser.close();
  await demo.close();
  await rm(work, { recursive: true, force: true });
}
