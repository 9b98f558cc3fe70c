// oss-upload/react: <oss-upload> as a React component, made with @lit/react, for React 18 and 19.
// Every public property is a camelCase prop (also the property-only ones: requestHeaders,
// fetchCredentials, i18n), every event an `on<PascalCase>` prop typed with its event class, and
// the ref is the element itself (for upload(), abort(), pause(), …). The event props come from
// EVENT_NAMES, so an event added to src/events.ts reaches React without an edit here.
import * as React from 'react';
import { createComponent, type EventName, type ReactWebComponent } from '@lit/react';
import { OssUpload as OssUploadElement, type OssUploadEventMap } from './oss-upload.js';
import { EVENT_NAMES } from './events.js';

/** The element class, for `useRef<OssUploadElement>(null)`; event classes and other types come from 'oss-upload'. */
export { OssUploadElement };

/** `oss-upload-success` → `OssUploadSuccess`. */
type PascalCase<S extends string> = S extends `${infer Head}-${infer Tail}` ? `${Capitalize<Head>}${PascalCase<Tail>}` : Capitalize<S>;

/** The event props: `onOssUploadSuccess` → `oss-upload-success`, typed with its event class. */
export type OssUploadReactEvents = {
  [Name in keyof OssUploadEventMap as `on${PascalCase<Name>}`]: EventName<OssUploadEventMap[Name]>;
};

const pascalCase = (name: string): string => name.replace(/(?:^|-)([a-z0-9])/g, (_, c: string) => c.toUpperCase());

const events = Object.fromEntries(EVENT_NAMES.map((name) => [`on${pascalCase(name)}`, name])) as unknown as OssUploadReactEvents;

/**
 * `<OssUpload strategy="sts" endpoint="/api/sts" requestHeaders={{ Authorization }} onOssUploadSuccess={(e) => e.detail.key} ref={ref} />`:
 * props set the element's properties, `on…` props listen to its events, `ref` is the `<oss-upload>` element.
 */
export const OssUpload: ReactWebComponent<OssUploadElement, OssUploadReactEvents> = createComponent({
  react: React,
  tagName: 'oss-upload',
  elementClass: OssUploadElement,
  events,
  displayName: 'OssUpload',
});

export default OssUpload;
