/**
 * A local HTTP server with the few Gitea API endpoints `redfix apply --pr api` uses, answering as
 * Gitea's swagger and handlers do (routers/api/v1/repo/pull.go): 201 on create and on edit, 409 with
 * ErrPullRequestAlreadyExists' text when an open PR has the same head and base, 422 for an invalid
 * request, 404 when the head branch is not in the repository (checked in a real bare repo), 401
 * without the token. Every request is recorded.
 *
 * For `--onto`: a PR's head and base carry `repo_id` and `repo` (with the token's `permissions`) as
 * Gitea's PRBranchInfo does; `GET /repos/{owner}/{repo}/pulls/{index}/files` (repoGetPullRequestFiles:
 * ChangedFile objects from the real diff of merge-base..head, paged, X-Total-Count) and
 * `GET|POST /repos/{owner}/{repo}/issues/{index}/comments` (issueGetComments, issueCreateComment:
 * 201 with the Comment, 422 without a body, 404 for no such issue).
 */
import { execFileSync } from "node:child_process";
import { createServer } from "node:http";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface RecordedRequest {
  method: string;
  path: string;
  authorization: string | undefined;
  body: unknown;
}

export interface StoredPull {
  number: number;
  owner: string;
  repo: string;
  head: string;
  base: string;
  title: string;
  body: string;
  state: "open" | "closed";
  /** The head repository's full name when the head is in a fork. */
  headRepo?: string;
}

export interface StoredComment {
  id: number;
  owner: string;
  repo: string;
  issue: number;
  body: string;
}

export interface FakeGitea {
  url: string;
  requests: RecordedRequest[];
  pulls: StoredPull[];
  /** Leave these PR numbers out of list answers (a PR made between our list and our create). */
  unlisted: Set<number>;
  /** Answer every create with this 422 message. */
  reject422: string | null;
  comments: StoredComment[];
  /** The token's `permissions.push` on head repositories. */
  canPush: boolean;
  /** Answer comment creation with 403 (issueCreateComment's documented refusal). */
  forbidComments: boolean;
  /** Called after a files answer is sent (a test moves a head between read and push). */
  onFiles: ((index: number) => void) | null;
  close(): Promise<void>;
}

export async function startGitea(token: string, repos: Record<string, string>): Promise<FakeGitea> {
  const state: FakeGitea = {
    url: "",
    requests: [],
    pulls: [],
    unlisted: new Set(),
    reject422: null,
    comments: [],
    canPush: true,
    forbidComments: false,
    onFiles: null,
    close: async () => {},
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const raw = Buffer.concat(chunks).toString("utf8");
      let body: unknown = null;
      try {
        body = raw ? JSON.parse(raw) : null;
      } catch {
        body = raw;
      }
      state.requests.push({
        method: req.method ?? "",
        path: req.url ?? "",
        authorization: req.headers.authorization,
        body,
      });
      handle(state, token, repos, req, body, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return state;
}

function handle(
  state: FakeGitea,
  token: string,
  repos: Record<string, string>,
  req: IncomingMessage,
  body: unknown,
  res: ServerResponse,
): void {
  const url = new URL(req.url ?? "/", state.url);
  const send = (status: number, json: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { "Content-Type": "application/json;charset=utf-8", ...headers });
    res.end(JSON.stringify(json));
  };
  const error = (status: number, message: string) =>
    send(status, { message, url: `${state.url}/api/swagger` });
  if (req.headers.authorization !== `token ${token}`) return error(401, "token is required");
  const c = /^\/api\/v1\/repos\/([^/]+)\/([^/]+)\/issues\/(\d+)\/comments$/.exec(url.pathname);
  if (c) return comments(state, repos, req, body, c[1]!, c[2]!, Number(c[3]), send, error);
  const f = /^\/api\/v1\/repos\/([^/]+)\/([^/]+)\/pulls\/(\d+)\/files$/.exec(url.pathname);
  const m = f ?? /^\/api\/v1\/repos\/([^/]+)\/([^/]+)\/pulls(?:\/(\d+))?$/.exec(url.pathname);
  if (!m) return error(404, "The target couldn't be found.");
  const [, owner = "", repo = "", index] = m;
  const bare = repos[`${owner}/${repo}`];
  if (!bare) return error(404, "The target couldn't be found.");
  const repoId = Object.keys(repos).indexOf(`${owner}/${repo}`) + 1;
  const repoView = (id: number, fullName: string) => ({
    id,
    full_name: fullName,
    permissions: { admin: false, push: state.canPush, pull: true },
  });
  const view = (p: StoredPull) => ({
    id: 1000 + p.number,
    number: p.number,
    url: `${state.url}/api/v1/repos/${owner}/${repo}/pulls/${p.number}`,
    html_url: `${state.url}/${owner}/${repo}/pulls/${p.number}`,
    title: p.title,
    body: p.body,
    state: p.state,
    head: {
      label: p.headRepo ? `${p.headRepo.split("/")[0]}:${p.head}` : p.head,
      ref: p.head,
      sha: p.headRepo ? "0".repeat(40) : sha(bare, p.head),
      repo_id: p.headRepo ? 999 : repoId,
      repo: p.headRepo ? repoView(999, p.headRepo) : repoView(repoId, `${owner}/${repo}`),
    },
    base: {
      label: p.base,
      ref: p.base,
      sha: sha(bare, p.base),
      repo_id: repoId,
      repo: repoView(repoId, `${owner}/${repo}`),
    },
  });
  const mine = state.pulls.filter((p) => p.owner === owner && p.repo === repo);

  if (f && req.method === "GET") {
    const p = mine.find((x) => x.number === Number(index));
    if (!p) return error(404, "The target couldn't be found.");
    const files = changedFiles(bare, p.base, p.head);
    const page = Math.max(1, Number(url.searchParams.get("page") ?? 1));
    const limit = Math.min(50, Math.max(1, Number(url.searchParams.get("limit") ?? 30)));
    const items = files.slice((page - 1) * limit, page * limit).map((x) => ({
      ...x,
      html_url: `${state.url}/${owner}/${repo}/src/branch/${p.head}/${x.filename}`,
      contents_url: `${state.url}/api/v1/repos/${owner}/${repo}/contents/${x.filename}?ref=${p.head}`,
      raw_url: `${state.url}/${owner}/${repo}/raw/branch/${p.head}/${x.filename}`,
    }));
    send(200, items, { "X-Total-Count": String(files.length) });
    state.onFiles?.(p.number);
    return;
  }
  if (f) return error(405, "method not allowed");

  if (req.method === "GET" && index === undefined) {
    const wanted = url.searchParams.get("state") ?? "open";
    const page = Math.max(1, Number(url.searchParams.get("page") ?? 1));
    // Gitea caps the page size whatever `limit` asks (MAX_RESPONSE_ITEMS); a cap of 1 makes the client page.
    const limit = 1;
    const listed = mine.filter(
      (p) => (wanted === "all" || p.state === wanted) && !state.unlisted.has(p.number),
    );
    const items = listed.slice((page - 1) * limit, page * limit).map(view);
    return send(200, items, { "X-Total-Count": String(listed.length) });
  }
  if (req.method === "GET") {
    const p = mine.find((x) => x.number === Number(index));
    return p ? send(200, view(p)) : error(404, "The target couldn't be found.");
  }
  if (req.method === "POST" && index === undefined) {
    const b = (body ?? {}) as Partial<StoredPull>;
    if (!b.head || !b.base) return error(422, "[Head]: Required; [Base]: Required");
    if (b.head === b.base)
      return error(422, "Invalid PullRequest: There are no changes between the head and the base");
    if (!sha(bare, b.head) || !sha(bare, b.base)) return error(404, "The target couldn't be found.");
    if (state.reject422) return error(422, state.reject422);
    const dup = mine.find((p) => p.state === "open" && p.head === b.head && p.base === b.base);
    if (dup) {
      return error(
        409,
        `pull request already exists for these targets [id: ${1000 + dup.number}, issue_id: ${dup.number}, ` +
          `head_repo_id: 1, base_repo_id: 1, head_branch: ${dup.head}, base_branch: ${dup.base}]`,
      );
    }
    const pull: StoredPull = {
      number: state.pulls.length + 1,
      owner,
      repo,
      head: b.head,
      base: b.base,
      title: String(b.title ?? ""),
      body: String(b.body ?? ""),
      state: "open",
    };
    state.pulls.push(pull);
    return send(201, view(pull));
  }
  if (req.method === "PATCH" && index !== undefined) {
    const p = mine.find((x) => x.number === Number(index));
    if (!p) return error(404, "The target couldn't be found.");
    const b = (body ?? {}) as Partial<StoredPull>;
    if (b.title) p.title = b.title;
    if (typeof b.body === "string") p.body = b.body;
    return send(201, view(p));
  }
  return error(405, "method not allowed");
}

function comments(
  state: FakeGitea,
  repos: Record<string, string>,
  req: IncomingMessage,
  body: unknown,
  owner: string,
  repo: string,
  issue: number,
  send: (status: number, json: unknown) => void,
  error: (status: number, message: string) => void,
): void {
  if (!repos[`${owner}/${repo}`]) return error(404, "The target couldn't be found.");
  if (!state.pulls.some((p) => p.owner === owner && p.repo === repo && p.number === issue))
    return error(404, "The target couldn't be found.");
  const view = (c: StoredComment) => ({
    id: c.id,
    html_url: `${state.url}/${owner}/${repo}/pulls/${issue}#issuecomment-${c.id}`,
    pull_request_url: `${state.url}/${owner}/${repo}/pulls/${issue}`,
    issue_url: "",
    user: { id: 1, login: "redfix-bot" },
    original_author: "",
    original_author_id: 0,
    body: c.body,
    assets: [],
    created_at: "2026-01-01T00:00:00Z",
    updated_at: "2026-01-01T00:00:00Z",
  });
  const mine = state.comments.filter((c) => c.owner === owner && c.repo === repo && c.issue === issue);
  if (req.method === "GET") return send(200, mine.map(view));
  if (req.method === "POST") {
    const b = (body ?? {}) as { body?: unknown };
    if (state.forbidComments) return error(403, "user should have permission to write issue");
    if (typeof b.body !== "string" || b.body === "") return error(422, "[Body]: Required");
    const comment: StoredComment = { id: state.comments.length + 1, owner, repo, issue, body: b.body };
    state.comments.push(comment);
    return send(201, view(comment));
  }
  return error(405, "method not allowed");
}

/** Gitea's ChangedFile list for base...head, from the real repository. */
function changedFiles(bare: string, base: string, head: string) {
  const run = (...args: string[]) =>
    execFileSync("git", args, { cwd: bare, encoding: "utf8", timeout: 10_000 }).trim();
  const mb = run("merge-base", `refs/heads/${base}`, `refs/heads/${head}`);
  const status = new Map(
    run("diff", "--name-status", "--no-renames", mb, `refs/heads/${head}`)
      .split("\n")
      .filter(Boolean)
      .map((l) => [l.split("\t")[1]!, l[0]!] as const),
  );
  return run("diff", "--numstat", "--no-renames", mb, `refs/heads/${head}`)
    .split("\n")
    .filter(Boolean)
    .map((l) => {
      const [add = "0", del = "0", filename = ""] = l.split("\t");
      const st = status.get(filename);
      return {
        filename,
        status: st === "A" ? "added" : st === "D" ? "deleted" : "changed",
        additions: Number(add),
        deletions: Number(del),
        changes: Number(add) + Number(del),
      };
    });
}

function sha(bare: string, branch: string): string {
  try {
    return execFileSync("git", ["rev-parse", "--verify", "--quiet", `refs/heads/${branch}`], {
      cwd: bare,
      encoding: "utf8",
      timeout: 10_000,
    }).trim();
  } catch {
    return "";
  }
}
