/**
 * `stowage/http`: serve any Storage over HTTP. `nodeHandler` for `(req, res, next)`
 * servers, `fetchHandler` for Request/Response ones; both answer GET and HEAD with
 * Range, ETag and Last-Modified validators, verify the signed URLs of fs and memory
 * storages configured with a `urlSecret`, and can redirect to an object store instead.
 */
export { type FetchHandler, fetchHandler } from './fetch.js';
export { type NodeHandler, nodeHandler } from './node.js';
export { type HandlerOptions, RETRY_AFTER_SECONDS } from './respond.js';
