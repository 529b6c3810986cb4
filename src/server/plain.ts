/** Moved to respond.ts; kept until web-security.ts imports it from there. */
export { sendPlain } from './respond.js';
