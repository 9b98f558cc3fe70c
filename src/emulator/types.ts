// Shapes shared by the emulator's parts (server, auth, store, STS, PostObject, callback).

/** A credential the emulator knows: the long-term pair it was started with, or one that its STS issued. */
export interface CredentialRecord {
  accessKeyId: string;
  accessKeySecret: string;
  /** STS credentials only: the token that every request made with them must carry. */
  securityToken?: string;
  /** STS credentials only. */
  expiration?: Date;
  /** STS credentials only: the inline session policy, when AssumeRole was given one. */
  policy?: RamPolicy;
}

/** A RAM policy document, as AssumeRole's `Policy` parameter carries it (OSS-PROTOCOL.md §5.3). */
export interface RamPolicy {
  Version: string;
  Statement: Array<{
    Effect: 'Allow' | 'Deny';
    Action: string | string[];
    Resource: string | string[];
  }>;
}

/** Where credentials are looked up: the long-term pair first, then the STS-issued ones (expired ones too). */
export interface CredentialLookup {
  lookup(accessKeyId: string): CredentialRecord | undefined;
  /** The record that issued this token, if the token is one the emulator's STS made. */
  findByToken(token: string): CredentialRecord | undefined;
}

/** What a stored object carries. */
export interface ObjectMeta {
  key: string;
  size: number;
  /** Quoted upper-case MD5 (`"ABC…"`), or `"HEX-N"` for a multipart object. */
  etag: string;
  /** Unsigned decimal CRC-64/XZ, as `x-oss-hash-crc64ecma`. */
  crc64: string;
  contentType: string;
  lastModified: string;
  /** `x-oss-meta-*` headers, lower-case names with the prefix. */
  userMeta: Record<string, string>;
  /** Cache-Control, Content-Disposition, Content-Encoding, Expires as given (lower-case names). */
  headers: Record<string, string>;
  /** multipart objects: number of parts. */
  parts?: number;
}

export interface PutOptions {
  contentType?: string;
  userMeta?: Record<string, string>;
  headers?: Record<string, string>;
  /** `x-oss-forbid-overwrite: true`: 409 FileAlreadyExists when the key exists. */
  forbidOverwrite?: boolean;
  /** Base64 Content-MD5 to verify: 400 InvalidDigest on mismatch (nothing stored). */
  contentMd5?: string;
  /** Stop reading and fail with the error this returns once more than `maxSize` bytes arrived. */
  maxSize?: number;
  tooLarge?: () => Error;
  /** Called with the finished object's size and hashes before it becomes visible; throw to discard it. */
  beforeCommit?: (meta: ObjectMeta) => void | Promise<void>;
}

/** OSS actions the emulator authorizes, as RAM names them. */
export type OssAction =
  | 'oss:PutObject' | 'oss:GetObject' | 'oss:DeleteObject' | 'oss:ListObjects'
  | 'oss:AbortMultipartUpload' | 'oss:ListParts' | 'oss:ListMultipartUploads';
