// Type test of oss-upload/react and oss-upload/react-jsx, compiled by test/node/package.test.ts
// against the packed package with React 19's types: every line must compile, except the line
// after each @ts-expect-error, which must be an error (else tsc reports the unused directive).
import { useRef, type JSX } from 'react';
import { OssUpload, type OssUploadElement } from 'oss-upload/react';
import 'oss-upload/react-jsx';
import type { FetchCredentials, OssUploadErrorEvent, OssUploadSuccessEvent, RequestHeaders } from 'oss-upload';

const headers: RequestHeaders = () => ({ Authorization: 'Bearer token' });
const fetchCredentials: FetchCredentials = async (request) => ({ dir: request.name });
const onSuccess = (event: OssUploadSuccessEvent): string => event.detail.key;

/** The wrapper: camelCase props (property-only ones too), typed event props, a ref to the element. */
export function Wrapped(): JSX.Element {
  const ref = useRef<OssUploadElement>(null);
  const start = (): void => ref.current?.upload();
  return (
    <div onClick={start}>
      <OssUpload ref={ref} strategy="sts" endpoint="/api/sts" multiple manual maxSize={10 * 2 ** 20} engine="native"
        requestHeaders={headers} fetchCredentials={fetchCredentials} i18n={{ chooseFiles: 'Pick files' }} className="uploader"
        onOssUploadSuccess={(e) => e.detail.key.toUpperCase()} onOssUploadError={(e: OssUploadErrorEvent) => e.detail.code}
        onOssUploadProgress={(e) => e.detail.percent.toFixed(0)} onOssUploadComplete={(e) => e.detail.successful.length}>
        Choose
      </OssUpload>
      {/* @ts-expect-error multiple is a boolean */}
      <OssUpload multiple={123} />
      {/* @ts-expect-error requestHeaders is headers or a function giving them */}
      <OssUpload requestHeaders={42} />
      {/* @ts-expect-error the success event's detail has no `size` */}
      <OssUpload onOssUploadSuccess={(e) => e.detail.size} />
      {/* @ts-expect-error a handler of another type */}
      <OssUpload onOssUploadSuccess={(e: number) => e} />
      {/* @ts-expect-error no such event prop */}
      <OssUpload onOssUploadFinished={() => {}} />
      {/* @ts-expect-error engine is native or ali-oss */}
      <OssUpload engine="turbo" />
    </div>
  );
}

/** The bare tag in React 19: attributes, properties (React 19 sets them), events as spelled. */
export function Bare(): JSX.Element {
  const ref = useRef<OssUploadElement>(null);
  return (
    <>
      <oss-upload ref={ref} strategy="signed-policy" endpoint="/api/sign" multiple max-size="10MB" key-template="{uuid}{ext}"
        upload-dir="uploads/" dir="ltr" requestHeaders={headers} fetchCredentials={fetchCredentials} i18n={{ chooseFile: 'Pick a file' }}
        className="uploader" onoss-upload-success={onSuccess} onoss-upload-error={(e) => e.detail.retryable}>
        <span slot="hint">or drop it</span>
      </oss-upload>
      {/* @ts-expect-error multiple is a boolean */}
      <oss-upload multiple={123} />
      {/* @ts-expect-error requestHeaders is headers or a function giving them */}
      <oss-upload requestHeaders={42} />
      {/* @ts-expect-error a handler of another type */}
      <oss-upload onoss-upload-success={(e: number) => e} />
      {/* @ts-expect-error React 19 listens to "OssUploadSuccess" for this prop, an event that never comes */}
      <oss-upload onOssUploadSuccess={onSuccess} />
      {/* @ts-expect-error no such property */}
      <oss-upload maxSizes={1} />
    </>
  );
}
