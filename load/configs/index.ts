/**
 * Config-file reference extraction for RF120: every place a recipe's config reaches another service by
 * host name, as UpstreamRef values with exact offsets, plus the checks and the splice its fix needs.
 *
 * - Caddyfile: `parseCaddyfile` → `caddyUpstreams`; validate with `caddyAdapt` / `caddyAdaptTemplate`.
 * - nginx: `parseNginx` → `nginxUpstreams`. Traefik file provider: `traefikUpstreams(path, text)`.
 * - Environment values: `envValueUpstreams(value, offset, { key })`; `isBareServiceName(host)`.
 * - Any config file by name and shape: `configUpstreams(path, text)`.
 * - Go templates (swarm's `template_driver: golang`): `renderGoTemplate`, `sourceLine`.
 * - The fix: `qualifyHost(text, ref, '{{ env "STACK_NAME" }}_app')` → a byte-range edit of the host only.
 */
export * from "./upstream.js";
export * from "./caddyfile.js";
export * from "./caddy-upstreams.js";
export * from "./caddy-adapt.js";
export * from "./go-template.js";
export * from "./nginx.js";
export * from "./traefik.js";
export { envValueUpstreams, type EnvValueOptions } from "./env-url.js";
export * from "./qualify.js";
export * from "./config-file.js";
