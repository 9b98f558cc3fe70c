// The demo page: the widgets, a live log of their events, and the bucket's objects.
import '../src/oss-upload.js';

const log = document.querySelector<HTMLPreElement>('#log')!;
const list = document.querySelector<HTMLUListElement>('#objects')!;

const EVENTS = ['select', 'reject', 'before', 'start', 'progress', 'success', 'error', 'abort', 'retry', 'complete'] as const;
let lastProgress = 0;

function write(type: string, detail: unknown, strategy: string) {
  // Progress fires often: log at most a few lines a second.
  if (type === 'progress') {
    const now = performance.now();
    if (now - lastProgress < 250) return;
    lastProgress = now;
  }
  const line = document.createElement('div');
  line.className = type;
  line.textContent = `${new Date().toLocaleTimeString()} [${strategy}] ${type} ${JSON.stringify(detail, compactFile)}`;
  log.prepend(line);
  while (log.childElementCount > 200) log.lastElementChild?.remove();
}

/** Files in event details print as `name (status, percent%)`; the rest of the detail as it is. */
function compactFile(this: unknown, key: string, value: unknown): unknown {
  if (key !== '' && value && typeof value === 'object' && 'id' in value && 'name' in value && 'status' in value) {
    const f = value as { name: string; status: string; percent?: number };
    return `${f.name} (${f.status}${f.percent !== undefined ? `, ${f.percent}%` : ''})`;
  }
  return value;
}

function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 ** 2) return `${(bytes / 1024).toFixed(1)} KB`;
  if (bytes < 1024 ** 3) return `${(bytes / 1024 ** 2).toFixed(1)} MB`;
  return `${(bytes / 1024 ** 3).toFixed(2)} GB`;
}

async function refresh() {
  const res = await fetch('/api/objects');
  if (!res.ok) return;
  const { bucket, objects } = await res.json() as { bucket: string; objects: Array<{ key: string; size: number; url: string }> };
  document.querySelector('#bucket')!.textContent = `Bucket "${bucket}", under the demo user's prefix, with time-limited links.`;
  list.replaceChildren(...objects.map((o) => {
    const li = document.createElement('li');
    const a = document.createElement('a');
    a.href = o.url;
    a.textContent = o.key;
    a.target = '_blank';
    const size = document.createElement('span');
    size.className = 'size';
    size.textContent = formatSize(o.size);
    li.append(a, size);
    return li;
  }));
  if (!objects.length) list.innerHTML = '<li>No objects yet: drop a file on a widget.</li>';
}

for (const widget of document.querySelectorAll('oss-upload')) {
  for (const type of EVENTS) {
    widget.addEventListener(`oss-upload-${type}`, (event) => {
      write(type, (event as CustomEvent).detail, widget.getAttribute('strategy') ?? '');
      if (type === 'success' || type === 'complete') void refresh();
    });
  }
}
void refresh();
