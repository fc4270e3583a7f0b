export * from "./upstream.js";
export * from "./caddyfile.js";
export * from "./caddy-upstreams.js";
export * from "./caddy-adapt.js";
export * from "./go-template.js";
export * from "./nginx.js";
export * from "./traefik.js";
export { envValueUpstreams } from "./env-url.js";
export * from "./qualify.js";
