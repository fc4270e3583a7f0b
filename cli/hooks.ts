/** Steps that follow the run directory's writing; the HTML report joins here once it exists. */
export async function afterRunDirWritten(_runDir: string): Promise<string | null> {
  return null;
}
