/**
 * The one rule registry: every rule redfix knows, in catalogue order (RF rules, then abra's R rules),
 * each with everything it brings — its check (`analyzers/<ID>-<name>.ts`) and its fix
 * (`codemods/<ID>-<name>.ts`, the same base name). Adding a rule is one line here.
 * The pipeline, `verify`, the report and the CLI read rules from here and name none of them.
 */
import type { Rule } from "../analyzers/rule.js";
import type { Codemod } from "../codemods/codemod.js";
import type { ConfigOption } from "../load/config.js";
import { rf001 } from "../analyzers/RF001-unparsable-file.js";
import { rf002 } from "../analyzers/RF002-bad-file-reference.js";
import { rf101 } from "../analyzers/RF101-depends-on-undefined-service.js";
import { rf101Codemod } from "../codemods/RF101-depends-on-undefined-service.js";
import { rf102 } from "../analyzers/RF102-key-ignored-by-swarm.js";
import { rf102Codemod } from "../codemods/RF102-key-ignored-by-swarm.js";
import { rf110 } from "../analyzers/RF110-database-backup-without-dump.js";
import { rf110Codemod } from "../codemods/RF110-database-backup-without-dump.js";
import { rf111 } from "../analyzers/RF111-backup-label-names-unmounted-volume.js";
import { rf111Codemod } from "../codemods/RF111-backup-label-names-unmounted-volume.js";
import { rf120 } from "../analyzers/RF120-bare-name-on-shared-network.js";
import { rf120Codemod } from "../codemods/RF120-bare-name-on-shared-network.js";
import { rf121 } from "../analyzers/RF121-template-reads-unset-env.js";
import { rf121Codemod } from "../codemods/RF121-template-reads-unset-env.js";
import { rf130 } from "../analyzers/RF130-read-only-config-written-at-runtime.js";
import { rf130Codemod } from "../codemods/RF130-read-only-config-written-at-runtime.js";
import { rf140 } from "../analyzers/RF140-config-version-not-bumped.js";
import { rf140Codemod } from "../codemods/RF140-config-version-not-bumped.js";
import { rf201 } from "../analyzers/RF201-canonical-domain-is-live-warm-domain.js";
import { rf201Codemod } from "../codemods/RF201-canonical-domain-is-live-warm-domain.js";
import { rf202 } from "../analyzers/RF202-harness-stale-service-reference.js";
import { rf202Codemod } from "../codemods/RF202-harness-stale-service-reference.js";
import { rf203 } from "../analyzers/RF203-harness-port-without-readiness.js";
import { rf203Codemod } from "../codemods/RF203-harness-port-without-readiness.js";
import { rf204 } from "../analyzers/RF204-assertion-no-release-satisfies.js";
import { rf204Codemod } from "../codemods/RF204-assertion-no-release-satisfies.js";
import { r001 } from "../analyzers/R001-compose-version.js";
import { r001Codemod } from "../codemods/R001-compose-version.js";
import { r002 } from "../analyzers/R002-healthcheck.js";
import { r003 } from "../analyzers/R003-image-tag.js";
import { r004 } from "../analyzers/R004-no-unstable-tag.js";
import { r005 } from "../analyzers/R005-semver-like-tag.js";
import { r006 } from "../analyzers/R006-published-version.js";
import { r007 } from "../analyzers/R007-readme-metadata.js";
import { r008 } from "../analyzers/R008-env-sample.js";
import { r008Codemod } from "../codemods/R008-env-sample.js";
import { r009 } from "../analyzers/R009-app-service.js";
import { r010 } from "../analyzers/R010-traefik-enabled.js";
import { r011 } from "../analyzers/R011-service-has-image.js";
import { r011Codemod } from "../codemods/R011-service-has-image.js";
import { r012 } from "../analyzers/R012-config-versions-vendored.js";
import { r012Codemod } from "../codemods/R012-config-versions-vendored.js";
import { r013 } from "../analyzers/R013-recipe-repo.js";
import { r014 } from "../analyzers/R014-annotated-tags.js";
import { r015 } from "../analyzers/R015-secret-name-length.js";

/** A rule and its fix. */
export interface RegisteredRule extends Rule {
  fix?: Codemod;
}

export const RULES: readonly RegisteredRule[] = [
  rf001,
  rf002,
  { ...rf101, fix: rf101Codemod },
  { ...rf102, fix: rf102Codemod },
  { ...rf110, fix: rf110Codemod },
  { ...rf111, fix: rf111Codemod },
  { ...rf120, fix: rf120Codemod },
  { ...rf121, fix: rf121Codemod },
  { ...rf130, fix: rf130Codemod },
  { ...rf140, fix: rf140Codemod },
  { ...rf201, fix: rf201Codemod },
  { ...rf202, fix: rf202Codemod },
  { ...rf203, fix: rf203Codemod },
  { ...rf204, fix: rf204Codemod },
  { ...r001, fix: r001Codemod },
  r002,
  r003,
  r004,
  r005,
  r006,
  r007,
  { ...r008, fix: r008Codemod },
  r009,
  r010,
  { ...r011, fix: r011Codemod },
  { ...r012, fix: r012Codemod },
  r013,
  r014,
  r015,
];

const BY_ID = new Map(RULES.map((r) => [r.meta.id, r] as const));

/** A rule by id, in any case: called for each of a catalogue's tens of thousands of findings. */
export function findRule(id: string): RegisteredRule | undefined {
  return BY_ID.get(id) ?? BY_ID.get(id.toUpperCase());
}

/** The config keys the rules declare. */
export const CONFIG_OPTIONS: readonly ConfigOption[] = RULES.flatMap((r) => r.options ?? []);
