// The page's side of test/browser/input-servers.mjs: folders made on disk, dropped on an element
// and chosen in its file input by Chromium itself (DevTools protocol), not simulated in the page.
import { executeServerCommand } from '@web/test-runner-commands';
import type { OssUpload } from '../../src/oss-upload.js';

const command = <T>(name: string, payload: object): Promise<T> => executeServerCommand<T, object>(name, payload);

/** Makes a fresh folder on disk holding these files (`{'album/2024/a.txt': 'text'}`) and empty folders; answers its path. */
export async function makeTree(files: Record<string, string>, folders: string[] = []): Promise<string> {
  return (await command<{ root: string }>('oss-input:tree', { files, folders })).root;
}

/** Drops these paths (files or folders on disk) on the element's drop zone, as a user dragging them from the desktop. */
export async function dropPaths(el: OssUpload, paths: string[]): Promise<void> {
  const zone = el.shadowRoot!.querySelector<HTMLElement>('[part~="dropzone"]')!;
  zone.scrollIntoView({ block: 'center' });
  const box = zone.getBoundingClientRect();
  await command('oss-input:drop', { paths, x: Math.round(box.left + box.width / 2), y: Math.round(box.top + box.height / 2) });
}

/** Chooses these paths in the element's file input, as the user would in the picker (a folder with `directory`). */
export async function pickPaths(el: OssUpload, paths: string[]): Promise<void> {
  el.id ||= `picker-${Math.random().toString(36).slice(2)}`;
  await command('oss-input:pick', { selector: `#${el.id}`, paths });
}
