// The file icons of the preview cells: one per family of file, drawn as ./marks.ts draws the ✓/✗
// (inline SVG, one path in currentColor). Loaded with the previews (./preview.ts), not with the list.
// Decorative (aria-hidden): the row's name already says which file it is.
import { glyph } from './marks.js';

export type FileFamily = 'image' | 'video' | 'audio' | 'pdf' | 'archive' | 'text' | 'spreadsheet' | 'generic';

/** A page with a folded corner: the outline every document family shares. */
const PAGE = 'M6 3h8l4 4v14H6zM14 3v4h4';
/** A framed picture, the outline of image and video. */
const FRAME = 'M3.5 5h17v14h-17z';

const PATHS: Record<FileFamily, string> = {
  image: `${FRAME}M3.5 16l5-5 4.5 4.5 2.5-2.5 5 5M17 9a1.5 1.5 0 1 1-3 0 1.5 1.5 0 0 1 3 0`,
  video: `${FRAME}M10 9v6l5-3z`,
  audio: 'M9 17.5v-12l10-2v12M9 17.5a2.5 2.5 0 1 1-5 0 2.5 2.5 0 0 1 5 0M19 15.5a2.5 2.5 0 1 1-5 0 2.5 2.5 0 0 1 5 0',
  // The letters P, D, F drawn as strokes: no font needed.
  pdf: `${PAGE}M7.5 18v-5h1.3a1.3 1.3 0 0 1 0 2.6H7.5M11 13v5h.5a2.5 2.5 0 0 0 0-5zM16.5 13H15v5M15 15.5h1.3`,
  // A zipper down the page.
  archive: `${PAGE}M11 4h1.5M11 6.5h1.5M11 9h1.5M10.5 11.5h2.5v4h-2.5z`,
  text: `${PAGE}M9 11h6M9 14h6M9 17h4`,
  spreadsheet: `${PAGE}M8.5 11h7v7h-7zM8.5 14.5h7M12 11v7`,
  generic: PAGE,
};

// Extensions first: a browser types many files from the extension anyway, leaves the type empty
// for unknown ones, and types some wrongly for this purpose (a .csv as text/csv, not a sheet).
const EXTENSIONS: ReadonlyArray<readonly [FileFamily, RegExp]> = [
  ['image', /^(jpe?g|jfif|png|apng|gif|webp|avif|bmp|ico|svg|heic|heif|tiff?|jxl)$/],
  ['video', /^(mp4|m4v|mov|webm|mkv|avi|wmv|flv|mpe?g|3gp)$/],
  ['audio', /^(mp3|wav|flac|aac|ogg|oga|opus|m4a|wma|aiff?|mid)$/],
  ['pdf', /^pdf$/],
  ['archive', /^(zip|7z|rar|gz|tgz|tar|bz2|xz|zst|cab|jar|apk|dmg|iso)$/],
  ['spreadsheet', /^(xlsx?|xlsm|ods|csv|tsv|numbers|et)$/],
  ['text', /^(txt|md|markdown|rtf|docx?|odt|pages|wps|pptx?|odp|key|json|xml|html?|ya?ml|log|epub)$/],
];
const TYPES: ReadonlyArray<readonly [FileFamily, RegExp]> = [
  ['image', /^image\//],
  ['video', /^video\//],
  ['audio', /^audio\//],
  ['pdf', /\/pdf$/],
  ['archive', /zip|compressed|x-tar|x-rar|x-bzip|x-xz|zstd|java-archive/],
  ['spreadsheet', /spreadsheet|excel|csv/],
  ['text', /^text\/|document|msword|presentation|powerpoint|rtf|json|xml/],
];

/** The family of a file, from its extension, else its MIME type; `generic` when neither tells. */
export function fileFamily(name: string, type: string): FileFamily {
  const dot = name.lastIndexOf('.');
  const extension = dot > 0 ? name.slice(dot + 1).toLowerCase() : '';
  const mime = type.toLowerCase();
  return (extension && EXTENSIONS.find(([, re]) => re.test(extension))?.[0]) || TYPES.find(([, re]) => re.test(mime))?.[0] || 'generic';
}

/** The icon of a family of files (parts `file-icon` and `file-icon-<family>`). */
export const fileIcon = (family: FileFamily) => glyph(`file-icon file-icon-${family}`, PATHS[family]);
