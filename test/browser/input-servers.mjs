// What a browser test cannot do from inside the page: put a folder on disk, drop it on an element
// and choose it in a file input. Chromium does both for real from the outside (DevTools protocol:
// Input.dispatchDragEvent with file paths, DOM.setFileInputFiles), so the page gets real
// FileSystemDirectoryEntry objects and real webkitRelativePath values. Commands for
// `executeServerCommand` (test/browser/input-support.ts):
//   oss-input:tree  {files: {path: text}}  → {root}: a fresh folder holding those files
//   oss-input:drop  {paths, x, y}           drags those paths onto the page at (x, y) and drops them
//   oss-input:pick  {selector, paths}       chooses those paths (files or a folder) in the file input
//                                           inside the shadow root of `document.querySelector(selector)`
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export function inputPlugin() {
  const made = [];
  return {
    name: 'oss-input-commands',
    async executeCommand({ command, payload, session }) {
      if (!command.startsWith('oss-input:')) return undefined;
      if (command === 'oss-input:tree') {
        const root = await mkdtemp(join(tmpdir(), 'oss-upload-tree-'));
        made.push(root);
        for (const [path, text] of Object.entries(payload.files)) {
          await mkdir(dirname(join(root, path)), { recursive: true });
          await writeFile(join(root, path), text);
        }
        for (const path of payload.folders ?? []) await mkdir(join(root, path), { recursive: true });
        return { root };
      }
      const page = session.browser.getPage(session.id);
      if (command === 'oss-input:drop') {
        const cdp = await page.createCDPSession();
        const data = { items: [], files: payload.paths, dragOperationsMask: 1 };
        for (const type of ['dragEnter', 'dragOver', 'drop']) {
          await cdp.send('Input.dispatchDragEvent', { type, x: payload.x, y: payload.y, data });
        }
        await cdp.detach();
        return true;
      }
      if (command === 'oss-input:pick') {
        const input = await page.evaluateHandle(
          (selector) => document.querySelector(selector)?.shadowRoot?.querySelector('input[type=file]'), payload.selector);
        await input.asElement().uploadFile(...payload.paths);
        await input.dispose();
        return true;
      }
      throw new Error(`unknown command ${command}`);
    },
    async serverStop() {
      await Promise.all(made.map((dir) => rm(dir, { recursive: true, force: true })));
    },
  };
}
