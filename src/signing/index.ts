// OSS signing shared by the browser strategies, the server handlers and the emulator.
export * from './encoding.js';
export * from './hmac.js';
export * from './request.js';
export * from './v1.js';
export * from './v4.js';
export * from './post.js';
export * from './crc64.js';
