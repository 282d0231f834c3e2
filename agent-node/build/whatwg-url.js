// Stand-in for the `whatwg-url` package inside the agent-node bundle. node-fetch v2 (grammY's
// transport) imports it only as a fallback for Node versions without a global URL; the real
// package carries tr46's Unicode mapping table, ~4 MB of resident memory on every node.
module.exports = { URL: globalThis.URL, URLSearchParams: globalThis.URLSearchParams };
