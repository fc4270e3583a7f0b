/**
 * A local HTTP server with the few Gitea API endpoints `redfix apply --pr api` uses, answering as
 * Gitea's swagger and handlers do (routers/api/v1/repo/pull.go): 201 on create and on edit, 409 with
 * ErrPullRequestAlreadyExists' text when an open PR has the same head and base, 422 for an invalid
 * request, 404 when the head branch is not in the repository (checked in a real bare repo), 401
 * without the token. Every request is recorded.
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
}

export interface FakeGitea {
  url: string;
  requests: RecordedRequest[];
  pulls: StoredPull[];
  /** Leave these PR numbers out of list answers (a PR made between our list and our create). */
  unlisted: Set<number>;
  /** Answer every create with this 422 message. */
  reject422: string | null;
  close(): Promise<void>;
}

export async function startGitea(token: string, repos: Record<string, string>): Promise<FakeGitea> {
  const state: FakeGitea = {
    url: "",
    requests: [],
    pulls: [],
    unlisted: new Set(),
    reject422: null,
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
  const m = /^\/api\/v1\/repos\/([^/]+)\/([^/]+)\/pulls(?:\/(\d+))?$/.exec(url.pathname);
  if (!m) return error(404, "The target couldn't be found.");
  const [, owner = "", repo = "", index] = m;
  const bare = repos[`${owner}/${repo}`];
  if (!bare) return error(404, "The target couldn't be found.");
  const view = (p: StoredPull) => ({
    id: 1000 + p.number,
    number: p.number,
    url: `${state.url}/api/v1/repos/${owner}/${repo}/pulls/${p.number}`,
    html_url: `${state.url}/${owner}/${repo}/pulls/${p.number}`,
    title: p.title,
    body: p.body,
    state: p.state,
    head: { label: p.head, ref: p.head, sha: sha(bare, p.head) },
    base: { label: p.base, ref: p.base, sha: sha(bare, p.base) },
  });
  const mine = state.pulls.filter((p) => p.owner === owner && p.repo === repo);

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
