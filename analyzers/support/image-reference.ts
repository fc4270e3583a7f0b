/**
 * Image references as docker's `reference.ParseNormalizedNamed` splits them, and the images of a
 * recipe's merged stacks grouped by declaration, so R003/R004/R005 judge every overlay combination and
 * report each image once, where it is written.
 */
import type { ComposeFile } from "../../load/compose.js";
import type { Range } from "../../core/source.js";
import type { Recipe } from "../../load/workspace.js";
import { interpolate, sampleValues } from "./abra-recipe.js";

export interface ImageRef {
  name: string;
  tag: string | null;
  digest: string | null;
}

/** `registry:5000/ns/name:tag@sha256:…` → name, tag, digest. A tag's colon comes after the last `/`. */
export function parseImageRef(ref: string): ImageRef {
  const at = ref.indexOf("@");
  const digest = at === -1 ? null : ref.slice(at + 1);
  const named = at === -1 ? ref : ref.slice(0, at);
  const colon = named.lastIndexOf(":");
  const tag = colon > named.lastIndexOf("/") ? named.slice(colon + 1) : null;
  return { name: tag === null ? named : named.slice(0, colon), tag, digest };
}

export interface StackImage {
  file: ComposeFile;
  service: string;
  /** The `image:` value as written, and as a deploy would interpolate it. */
  written: string;
  resolved: string;
  ref: ImageRef;
  range: Range;
  /** The combinations in which this declaration is the service's image. */
  combinations: string[];
}

/**
 * Every image declaration that is a service's effective image in at least one combination. Images
 * whose variables `.env.sample` leaves unset are left out: their value is not known before deploy.
 */
export function stackImages(recipe: Recipe): StackImage[] {
  const env = sampleValues(recipe);
  const byDecl = new Map<string, StackImage>();
  for (const combo of recipe.combinations) {
    for (const m of combo.services.values()) {
      if (!m.image) continue;
      const written = m.image.value.value;
      const resolved = interpolate(written, env);
      if (resolved === null || resolved === "") continue;
      const key = `${m.image.file.name}\0${m.image.value.range.start}`;
      let img = byDecl.get(key);
      if (!img) {
        img = {
          file: m.image.file,
          service: m.name,
          written,
          resolved,
          ref: parseImageRef(resolved),
          range: m.image.value.range,
          combinations: [],
        };
        byDecl.set(key, img);
      }
      img.combinations.push(combo.id);
    }
  }
  return [...byDecl.values()].sort(
    (a, b) =>
      (a.file.name < b.file.name ? -1 : a.file.name > b.file.name ? 1 : 0) || a.range.start - b.range.start,
  );
}

/** How the finding names the image: as written, and as resolved when a variable was filled in. */
export function imageText(img: StackImage): string {
  return img.written === img.resolved ? `\`${img.written}\`` : `\`${img.written}\` (\`${img.resolved}\`)`;
}
