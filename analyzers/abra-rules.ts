/** abra recipe lint parity: R001–R015, same ids as abra. */
import type { Rule } from "./rule.js";
import { r001 } from "./rules/r001-compose-version.js";
import { r002 } from "./rules/r002-healthcheck.js";
import { r003 } from "./rules/r003-image-tag.js";
import { r004 } from "./rules/r004-stable-tag.js";
import { r005 } from "./rules/r005-semver-tag.js";
import { r006 } from "./rules/r006-published-version.js";
import { r007 } from "./rules/r007-readme-metadata.js";
import { r008 } from "./rules/r008-env-sample.js";
import { r009 } from "./rules/r009-app-service.js";
import { r010 } from "./rules/r010-traefik-enabled.js";
import { r011 } from "./rules/r011-service-image.js";
import { r012 } from "./rules/r012-config-versions.js";
import { r013 } from "./rules/r013-recipe-repo.js";
import { r014 } from "./rules/r014-annotated-tags.js";
import { r015 } from "./rules/r015-secret-length.js";

export const ABRA_RULES: Rule[] = [
  r001,
  r002,
  r003,
  r004,
  r005,
  r006,
  r007,
  r008,
  r009,
  r010,
  r011,
  r012,
  r013,
  r014,
  r015,
];
