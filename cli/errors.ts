/**
 * The errors the CLI shows whole (every line) rather than by their first line: config errors (yaml's
 * excerpt of the line) and usage errors (every unknown rule id). Checked without loading the
 * analysis for every command: its module is loaded only when it may have thrown.
 */
import { ConfigError } from "../load/config-file.js";

/** A usage error the CLI finds itself (an option's value, a missing option): exit status 2. */
export class CliUsageError extends Error {}

export async function shownWhole(e: unknown): Promise<boolean> {
  if (e instanceof ConfigError || e instanceof CliUsageError) return true;
  // pipeline/analyze.ts's usage errors: when it threw one, it is loaded, and this import costs nothing.
  const { UsageError } = await import("../pipeline/analyze.js");
  return e instanceof UsageError;
}
