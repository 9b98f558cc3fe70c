// OSS signing shared by the browser strategies, the server handlers and the emulator.
export * from './encoding.js';
export * from './hmac.js';
export * from './request.js';
export * from './v1.js';
export * from './v4.js';
export * from './post.js';
// crc64 is imported from its own module (src/signing/crc64.ts) to keep this index free of it until it lands
