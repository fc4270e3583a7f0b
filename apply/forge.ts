/**
 * Pull requests on Gitea/Forgejo through its REST API (`/api/v1`, swagger `repoCreatePullRequest`,
 * `repoListPullRequests`, `repoGetPullRequest`, `repoEditPullRequest`), with Node's fetch.
 * One PR per (head, base): an open one is updated, never duplicated. Gitea answers 409 on a create
 * when an unmerged PR for the same head and base exists, and 201 on both create and edit.
 */

export interface ForgeRepo {
  /** The forge's root URL, without `/api/v1` and without a trailing slash. */
  baseUrl: string;
  owner: string;
  repo: string;
}

export interface PullRequest {
  number: number;
  url: string;
  title: string;
  body: string;
  head: string;
  base: string;
  /** The head commit when the forge said (the list and get answers do). */
  headSha?: string;
  /** The head branch is in the base repository (not a fork). */
  sameRepo?: boolean;
  /** The token may push to the head repository (its `permissions.push`), when the forge said. */
  canPush?: boolean;
}

export interface PullRequestResult extends PullRequest {
  action: "opened" | "updated" | "unchanged";
}

/** The forge refused or failed; `status` is the HTTP status (0 when there was no answer). */
export class ForgeError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

const REQUEST_TIMEOUT_MS = 30_000;
const PAGE_SIZE = 50;
const MAX_PAGES = 200;

/**
 * The forge and repo behind a git remote URL: `https://host[/prefix]/owner/repo(.git)`,
 * `ssh://[user@]host[:port]/owner/repo(.git)` or `user@host:owner/repo(.git)`. SSH remotes give the
 * HTTPS URL of the same host. `forgeUrl` replaces the derived root (a forge on another host or port,
 * or a remote that is a local path), `owner` the derived owner.
 */
export function forgeRepoFromRemote(
  remoteUrl: string,
  overrides: { forgeUrl?: string; owner?: string } = {},
): ForgeRepo | null {
  const parsed = parseRemote(remoteUrl);
  const owner = overrides.owner ?? parsed?.owner;
  const repo = parsed?.repo ?? lastPathPart(remoteUrl);
  const baseUrl = overrides.forgeUrl?.replace(/\/+$/, "").replace(/\/api\/v1$/, "") ?? parsed?.baseUrl;
  if (!owner || !repo || !baseUrl) return null;
  return { baseUrl, owner, repo };
}

function parseRemote(url: string): ForgeRepo | null {
  const scp = /^(?:[^@/\s]+@)?([^:/\s]+):(?!\/)(.+)$/.exec(url);
  if (scp && !/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) return split(`https://${scp[1]}`, scp[2]!);
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return null;
  }
  if (u.protocol === "ssh:" || u.protocol === "git+ssh:") return split(`https://${u.hostname}`, u.pathname);
  if (u.protocol === "http:" || u.protocol === "https:") {
    // The last two path parts are owner/repo; anything before them is where Gitea is mounted.
    const parts = u.pathname.split("/").filter(Boolean);
    if (parts.length < 2) return null;
    const prefix = parts.slice(0, -2).join("/");
    return split(`${u.protocol}//${u.host}${prefix ? `/${prefix}` : ""}`, parts.slice(-2).join("/"));
  }
  return null;
}

function split(baseUrl: string, path: string): ForgeRepo | null {
  const parts = path.split("/").filter(Boolean);
  if (parts.length < 2) return null;
  return { baseUrl, owner: parts[parts.length - 2]!, repo: parts[parts.length - 1]!.replace(/\.git$/, "") };
}

function lastPathPart(url: string): string | undefined {
  return url
    .replace(/[\\/]+$/, "")
    .split(/[\\/:]/)
    .pop()
    ?.replace(/\.git$/, "");
}

interface ApiPull {
  number: number;
  html_url?: string;
  url?: string;
  title?: string;
  body?: string;
  state?: string;
  head?: ApiBranchInfo;
  base?: ApiBranchInfo;
}

/** Gitea's PRBranchInfo. */
interface ApiBranchInfo {
  ref?: string;
  sha?: string;
  repo_id?: number;
  repo?: { id?: number; full_name?: string; permissions?: { push?: boolean } } | null;
}

/** Gitea's Comment, the fields redfix reads. */
export interface IssueComment {
  id: number;
  body: string;
  url: string;
}

export class GiteaClient {
  constructor(
    private readonly forge: ForgeRepo,
    private readonly token: string,
  ) {}

  private get repoPath(): string {
    return `/repos/${encodeURIComponent(this.forge.owner)}/${encodeURIComponent(this.forge.repo)}`;
  }

  private async call(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; json: unknown; headers: Headers }> {
    const url = `${this.forge.baseUrl}/api/v1${path}`;
    let res: Response;
    try {
      res = await fetch(url, {
        method,
        headers: {
          Authorization: `token ${this.token}`,
          Accept: "application/json",
          ...(body === undefined ? {} : { "Content-Type": "application/json" }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
        // A followed redirect turns a POST into a GET: report it instead.
        redirect: "manual",
      });
    } catch (e) {
      throw new ForgeError(`${method} ${url}: ${(e as Error).message}`, 0);
    }
    if (res.status >= 300 && res.status < 400) {
      const to = res.headers.get("location") ?? "elsewhere";
      throw new ForgeError(
        `${method} ${url} is redirected to ${to}: give --forge-url the forge's own URL`,
        res.status,
      );
    }
    const text = await res.text();
    let json: unknown = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      json = { message: text.slice(0, 200) };
    }
    return { status: res.status, json, headers: res.headers };
  }

  async listOpenPulls(): Promise<PullRequest[]> {
    const out: PullRequest[] = [];
    for (let page = 1; page <= MAX_PAGES; page++) {
      const r = await this.call("GET", `${this.repoPath}/pulls?state=open&page=${page}&limit=${PAGE_SIZE}`);
      if (r.status !== 200) throw this.failure("list pull requests", r.status, r.json);
      const items = Array.isArray(r.json) ? (r.json as ApiPull[]) : [];
      out.push(...items.map(toPull));
      const total = Number(r.headers.get("x-total-count") ?? NaN);
      // A server may cap `limit` below ours: only an empty page, or the announced total, ends the list.
      if (items.length === 0 || (Number.isFinite(total) && out.length >= total)) break;
    }
    return out;
  }

  async getPull(index: number): Promise<PullRequest> {
    const r = await this.call("GET", `${this.repoPath}/pulls/${index}`);
    if (r.status !== 200) throw this.failure(`get pull request #${index}`, r.status, r.json);
    return toPull(r.json as ApiPull);
  }

  /** Returns the new PR, or null when Gitea answers 409 (one exists for this head and base). */
  async createPull(p: {
    head: string;
    base: string;
    title: string;
    body: string;
  }): Promise<PullRequest | null> {
    const r = await this.call("POST", `${this.repoPath}/pulls`, p);
    if (r.status === 201) return toPull(r.json as ApiPull);
    if (r.status === 409) {
      this.conflictIndex = issueIndexIn(r.json);
      return null;
    }
    throw this.failure("open the pull request", r.status, r.json);
  }

  /** The PR index Gitea named in its last 409 answer, if it did. */
  conflictIndex: number | null = null;

  async editPull(index: number, p: { title: string; body: string }): Promise<PullRequest> {
    const r = await this.call("PATCH", `${this.repoPath}/pulls/${index}`, p);
    // Gitea documents 201 for an edit (its source says "this should be 200"); accept both.
    if (r.status !== 201 && r.status !== 200)
      throw this.failure(`update pull request #${index}`, r.status, r.json);
    return toPull(r.json as ApiPull);
  }

  /** The paths a pull request changes (`repoGetPullRequestFiles`; a rename counts both names). */
  async listPullFiles(index: number): Promise<string[]> {
    const out: string[] = [];
    let seen = 0;
    for (let page = 1; page <= MAX_PAGES; page++) {
      const r = await this.call(
        "GET",
        `${this.repoPath}/pulls/${index}/files?page=${page}&limit=${PAGE_SIZE}`,
      );
      if (r.status !== 200) throw this.failure(`list the files of pull request #${index}`, r.status, r.json);
      const items = Array.isArray(r.json)
        ? (r.json as { filename?: string; previous_filename?: string }[])
        : [];
      seen += items.length;
      for (const f of items) {
        if (f.filename) out.push(f.filename);
        if (f.previous_filename) out.push(f.previous_filename);
      }
      const total = Number(r.headers.get("x-total-count") ?? NaN);
      if (items.length === 0 || (Number.isFinite(total) && seen >= total)) break;
    }
    return [...new Set(out)];
  }

  /** The comments of an issue or pull request (`issueGetComments`, not paged). */
  async listComments(index: number): Promise<IssueComment[]> {
    const r = await this.call("GET", `${this.repoPath}/issues/${index}/comments`);
    if (r.status !== 200) throw this.failure(`list the comments of #${index}`, r.status, r.json);
    const items = Array.isArray(r.json) ? (r.json as { id: number; body?: string; html_url?: string }[]) : [];
    return items.map((c) => ({ id: c.id, body: c.body ?? "", url: c.html_url ?? "" }));
  }

  /** `issueCreateComment`: 201 with the comment. */
  async createComment(index: number, body: string): Promise<IssueComment> {
    const r = await this.call("POST", `${this.repoPath}/issues/${index}/comments`, { body });
    if (r.status !== 201) throw this.failure(`comment on #${index}`, r.status, r.json);
    const c = r.json as { id: number; body?: string; html_url?: string };
    return { id: c.id, body: c.body ?? "", url: c.html_url ?? "" };
  }

  private failure(what: string, status: number, json: unknown): ForgeError {
    const msg = messageOf(json);
    const where = `${this.forge.owner}/${this.forge.repo} on ${this.forge.baseUrl}`;
    const hint =
      status === 401 || status === 403
        ? " (is the token valid, with write access to the repository?)"
        : status === 404
          ? " (does the repository exist, and was the branch pushed to it?)"
          : status === 422
            ? " (the forge found the request invalid)"
            : status === 423
              ? " (the repository is archived)"
              : "";
    return new ForgeError(
      `cannot ${what} in ${where}: HTTP ${status}${msg ? `: ${msg}` : ""}${hint}`,
      status,
    );
  }
}

/**
 * A comment on #index that carries `marker` (an HTML comment, invisible when rendered), posted once:
 * a re-run finds it and posts nothing.
 */
export async function ensureComment(
  client: GiteaClient,
  index: number,
  marker: string,
  body: string,
): Promise<{ action: "posted" | "exists"; comment: IssueComment }> {
  const existing = (await client.listComments(index)).find((c) => c.body.includes(marker));
  if (existing) return { action: "exists", comment: existing };
  return { action: "posted", comment: await client.createComment(index, `${body.trimEnd()}\n\n${marker}\n`) };
}

/**
 * The open PR for `head` into `base`, created or brought up to date. A re-run finds it in the list;
 * a 409 (created meanwhile, or not listed) is resolved by the index Gitea names, or a fresh list.
 */
export async function ensurePullRequest(
  client: GiteaClient,
  p: { head: string; base: string; title: string; body: string },
): Promise<PullRequestResult> {
  const existing = (await client.listOpenPulls()).find((x) => x.head === p.head && x.base === p.base);
  if (existing) return update(client, existing, p);
  const created = await client.createPull(p);
  if (created) return { ...created, action: "opened" };
  const index = client.conflictIndex;
  const found =
    index !== null
      ? await client.getPull(index)
      : (await client.listOpenPulls()).find((x) => x.head === p.head && x.base === p.base);
  if (!found) {
    throw new ForgeError(
      `the forge says a pull request for ${p.head} into ${p.base} exists, but none is found`,
      409,
    );
  }
  return update(client, found, p);
}

async function update(
  client: GiteaClient,
  pr: PullRequest,
  p: { title: string; body: string },
): Promise<PullRequestResult> {
  if (pr.title === p.title && normalize(pr.body) === normalize(p.body)) return { ...pr, action: "unchanged" };
  const edited = await client.editPull(pr.number, { title: p.title, body: p.body });
  return { ...edited, action: "updated" };
}

function toPull(j: ApiPull): PullRequest {
  const headRepo = j.head?.repo_id ?? j.head?.repo?.id;
  const baseRepo = j.base?.repo_id ?? j.base?.repo?.id;
  const canPush = j.head?.repo?.permissions?.push;
  return {
    number: j.number,
    url: j.html_url ?? j.url ?? "",
    title: j.title ?? "",
    body: j.body ?? "",
    head: j.head?.ref ?? "",
    base: j.base?.ref ?? "",
    ...(j.head?.sha ? { headSha: j.head.sha } : {}),
    ...(headRepo !== undefined && baseRepo !== undefined ? { sameRepo: headRepo === baseRepo } : {}),
    ...(typeof canPush === "boolean" ? { canPush } : {}),
  };
}

function messageOf(json: unknown): string {
  if (json && typeof json === "object" && "message" in json)
    return String((json as { message: unknown }).message);
  return "";
}

/** Gitea's ErrPullRequestAlreadyExists text: `... [id: 3, issue_id: 2, head_repo_id: ...]`; issue_id is the index. */
function issueIndexIn(json: unknown): number | null {
  const m = /\bissue_id: (\d+)/.exec(messageOf(json));
  return m ? Number(m[1]) : null;
}

/** Forges normalise line endings in stored bodies; compare without them. */
function normalize(s: string): string {
  return s.replace(/\r\n/g, "\n").trim();
}
