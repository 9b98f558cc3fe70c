// Helpers of the <oss-upload> browser tests: mounting, event recording, emulator queries.
import { env } from '/__env.js';
import '../../src/oss-upload.js';
import type { OssUpload, OssUploadEventMap } from '../../src/oss-upload.js';

export { env };

export interface StoredObject {
  bucket: string;
  key: string;
  size: number;
  etag: string;
  crc64: string;
  contentType: string;
  userMeta: Record<string, string>;
}

const mounted: HTMLElement[] = [];

/** Creates an <oss-upload> with these attributes, in the page, and waits for its first render. */
export async function mount(attributes: Record<string, string | boolean>, setup?: (el: OssUpload) => void): Promise<OssUpload> {
  const el = document.createElement('oss-upload');
  for (const [name, value] of Object.entries(attributes)) {
    if (value === false) continue;
    el.setAttribute(name, value === true ? '' : value);
  }
  setup?.(el);
  document.body.append(el);
  mounted.push(el);
  await el.updateComplete;
  return el;
}

/** Removes what `mount` added and turns the emulator's faults off. */
export async function cleanup(): Promise<void> {
  for (const el of mounted.splice(0)) {
    (el as OssUpload).abort();
    el.remove();
  }
  await setFaults({});
}

export type Recorded = {
  [K in keyof OssUploadEventMap]: { type: K; detail: OssUploadEventMap[K]['detail']; time: number };
}[keyof OssUploadEventMap];

/** The recorded details of one event kind, typed. */
export function details<K extends keyof OssUploadEventMap>(events: Recorded[], type: K): Array<OssUploadEventMap[K]['detail']> {
  return events.filter((e) => e.type === type).map((e) => e.detail as OssUploadEventMap[K]['detail']);
}

/** Records every oss-upload-* event the element fires, in order. */
export function record(el: HTMLElement): Recorded[] {
  const events: Recorded[] = [];
  for (const type of ['select', 'reject', 'before', 'start', 'progress', 'success', 'error', 'abort', 'retry', 'complete'] as const) {
    el.addEventListener(`oss-upload-${type}`, (e) => {
      events.push({ type: `oss-upload-${type}`, detail: structuredClone((e as CustomEvent).detail), time: performance.now() } as Recorded);
    });
  }
  return events;
}

/** The next event of that name (rejects after `ms`). */
export function next<K extends keyof OssUploadEventMap>(el: HTMLElement, type: K, ms = 20_000): Promise<OssUploadEventMap[K]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${type} within ${ms} ms`)), ms);
    el.addEventListener(type, (e) => {
      clearTimeout(timer);
      resolve(e as OssUploadEventMap[K]);
    }, { once: true });
  });
}

/** Adds the files and waits until the queue drains. */
export async function uploadAll(el: OssUpload, files: File[]): Promise<void> {
  const done = next(el, 'oss-upload-complete', 60_000);
  await el.addFiles(files);
  await done;
}

/** The error events in short, for assertion messages. */
export function errorsOf(events: Recorded[]): string {
  return JSON.stringify(details(events, 'oss-upload-error').map(({ code, message, ossCode, endpointCode }) => ({ code, message, ossCode, endpointCode })));
}

export function randomBytes(size: number): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i += 65536) crypto.getRandomValues(bytes.subarray(i, Math.min(size, i + 65536)));
  return bytes;
}

export function makeFile(name: string, size: number, type = 'application/octet-stream'): { file: File; bytes: Uint8Array<ArrayBuffer> } {
  const bytes = randomBytes(size);
  return { file: new File([bytes], name, { type }), bytes };
}

export async function objects(prefix = ''): Promise<StoredObject[]> {
  const res = await fetch(`${env.emulatorUrl}/_emulator/objects?bucket=${env.bucket}&prefix=${encodeURIComponent(prefix)}`);
  return await res.json() as StoredObject[];
}

export async function stored(key: string): Promise<StoredObject | undefined> {
  return (await objects(key)).find((o) => o.key === key);
}

export interface LoggedRequest {
  /** When the request arrived (ISO, milliseconds). */
  time: string;
  method: string;
  op: string;
  key?: string;
  partNumber?: number;
  uploadId?: string;
  accessKeyId?: string;
  /** 0 while the emulator has not answered yet; -1 for a connection cut or dropped. */
  status: number;
  code?: string;
  fault?: string;
}

export async function emulatorRequests(base = env.emulatorUrl): Promise<LoggedRequest[]> {
  return await (await fetch(`${base}/_emulator/requests`)).json() as LoggedRequest[];
}

/**
 * The logged requests for keys ending with `key`. Every test uploads under keys of its own (a
 * random id, or a unique file name), so what another test left behind never counts in this one.
 */
export function about<T extends { key?: string }>(entries: T[], key: string): T[] {
  return entries.filter((r) => r.key?.endsWith(key));
}

export interface OpenUpload {
  key: string;
  uploadId: string;
  parts: Array<{ partNumber: number; size: number }>;
}

/** The multipart uploads open on the emulator for keys ending with `key` (see `about`). */
export async function openUploads(key: string, base = env.emulatorUrl): Promise<OpenUpload[]> {
  return about(await (await fetch(`${base}/_emulator/uploads`)).json() as OpenUpload[], key);
}

/**
 * Resolves once the emulator has answered every request it received for keys ending with `key`
 * (none in flight), on two polls in a row: what a pause cut, or let finish, is then settled on OSS.
 */
export async function settled(key: string, ms = 20_000, base = env.emulatorUrl): Promise<void> {
  const end = Date.now() + ms;
  let quiet = 0;
  let seen = -1;
  while (quiet < 2) {
    if (Date.now() > end) throw new Error(`requests for ${key} still in flight after ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
    const mine = about(await emulatorRequests(base), key);
    quiet = !mine.some((r) => r.status === 0) && mine.length === seen ? quiet + 1 : 0;
    seen = mine.length;
  }
}

/** Polls `read` until `check` holds, or `ms` pass; answers the last value (for the test to assert on). */
export async function eventually<T>(read: () => Promise<T>, check: (value: T) => boolean, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (check(value) || Date.now() > end) return value;
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function clearEmulatorRequests(): Promise<void> {
  await fetch(`${env.emulatorUrl}/_emulator/requests`, { method: 'DELETE' });
}

export async function setFaults(faults: object): Promise<void> {
  const res = await fetch(`${env.emulatorUrl}/_emulator/faults`, { method: 'PUT', body: JSON.stringify(faults) });
  if (!res.ok) throw new Error(`faults: ${await res.text()}`);
}

/** How many times each sign path was called since the last reset. */
export async function signCalls(): Promise<Record<string, number>> {
  return await (await fetch('/__sign-calls', { cache: 'no-store' })).json() as Record<string, number>;
}

export async function resetSignCalls(): Promise<void> {
  await fetch('/__sign-calls', { method: 'DELETE' });
}

export function part(el: OssUpload, name: string): HTMLElement | null {
  return el.shadowRoot!.querySelector(`[part~="${name}"]`);
}

export function parts(el: OssUpload, name: string): HTMLElement[] {
  return [...el.shadowRoot!.querySelectorAll<HTMLElement>(`[part~="${name}"]`)];
}
