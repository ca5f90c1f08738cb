#!/usr/bin/env node
// github_api.js: a local GitHub REST API for the end-to-end tests, checked against GitHub's
// official OpenAPI description (@octokit/openapi, api.github.com.json).
//
// Every request is matched to an operation of the description (method + path template) and
// validated: path parameters, query parameters and the JSON body against the operation's
// schemas, and the headers GitHub's conventions require (Accept: application/vnd.github+json,
// Authorization: Bearer <token>, X-GitHub-Api-Version, User-Agent). A violation is answered with
// 400 and recorded; the test asks for the violations at the end and fails on any.
//
// It is stateful for the operations convoy uses: issue comments (list with real Link-header
// pagination, create, get, update, delete), the pull requests of a commit, and deployments
// with their statuses (create, list newest first, filtered by environment; a ref that is not
// a 40-hex commit or a known branch is refused with 422 as GitHub does). Tests drive it
// through /__control/* (not part of the API): seed comments, set pull requests, inject failures
// (status, headers, body, for the next N matching requests), read state, requests, violations.
//
// usage: node github_api.js --port N [--token T] [--prefix /api/v3]
'use strict';

const http = require('http');
const path = require('path');
const fs = require('fs');

function arg(name, def) {
  const i = process.argv.indexOf('--' + name);
  return i > 0 ? process.argv[i + 1] : def;
}
const PORT = Number(arg('port', '0'));
const TOKEN = arg('token', 'ghs_test_token');
const PREFIX = arg('prefix', '');
const API_VERSION = '2022-11-28';

function findSpec() {
  const roots = [path.resolve(__dirname, '../../..'), process.cwd()];
  for (const r of roots) {
    const p = path.join(r, 'node_modules/@octokit/openapi/generated/api.github.com.json');
    if (fs.existsSync(p)) return p;
  }
  throw new Error('node_modules/@octokit/openapi not found (run npm ci)');
}
const spec = JSON.parse(fs.readFileSync(findSpec(), 'utf8'));

function deref(x) {
  let guard = 0;
  while (x && x.$ref) {
    if (++guard > 50) throw new Error('ref loop ' + x.$ref);
    x = x.$ref.replace(/^#\//, '').split('/').reduce((a, k) => a[k.replace(/~1/g, '/').replace(/~0/g, '~')], spec);
  }
  return x;
}

// ---- operations: method + path template -> regex -------------------------------------------
const ops = [];
for (const [tpl, item] of Object.entries(spec.paths)) {
  const names = [];
  const re = new RegExp('^' + tpl.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{([^}]+)\}/g, (_, n) => {
    names.push(n);
    return '([^/]+)';
  }) + '$');
  const literals = tpl.split('/').filter((s) => s && !s.startsWith('{')).length;
  for (const m of ['get', 'post', 'put', 'patch', 'delete', 'head']) {
    if (item[m]) ops.push({ method: m.toUpperCase(), tpl, re, names, literals, op: item[m], shared: item.parameters || [] });
  }
}
ops.sort((a, b) => b.literals - a.literals);

// ---- a small validator for the JSON-schema subset GitHub's description uses ------------------
function typeOf(v) {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}
function typeOk(t, v) {
  const got = typeOf(v);
  return t === got || (t === 'number' && got === 'integer');
}
function validate(schema, v, where, errs, depth = 0) {
  schema = deref(schema);
  if (!schema || depth > 40) return;
  if (v === null && schema.nullable) return;
  if (schema.oneOf || schema.anyOf) {
    const alts = schema.oneOf || schema.anyOf;
    // loosely: one alternative must accept the value
    const ok = alts.some((alt) => { const e = []; validate(alt, v, where, e, depth + 1); return e.length === 0; });
    if (!ok) errs.push(`${where}: matches none of ${schema.oneOf ? 'oneOf' : 'anyOf'}`);
    return;
  }
  if (schema.allOf) for (const s of schema.allOf) validate(s, v, where, errs, depth + 1);
  if (schema.type) {
    const types = Array.isArray(schema.type) ? schema.type : [schema.type];
    if (!types.some((t) => typeOk(t, v))) {
      errs.push(`${where}: expected ${types.join('|')}, got ${typeOf(v)}`);
      return;
    }
  }
  if (schema.enum && !schema.enum.includes(v)) errs.push(`${where}: ${JSON.stringify(v)} not in enum ${JSON.stringify(schema.enum)}`);
  if (typeof v === 'string') {
    if (schema.maxLength !== undefined && [...v].length > schema.maxLength) errs.push(`${where}: longer than ${schema.maxLength}`);
    if (schema.minLength !== undefined && [...v].length < schema.minLength) errs.push(`${where}: shorter than ${schema.minLength}`);
  }
  if (typeof v === 'number') {
    if (schema.minimum !== undefined && v < schema.minimum) errs.push(`${where}: below minimum ${schema.minimum}`);
    if (schema.maximum !== undefined && v > schema.maximum) errs.push(`${where}: above maximum ${schema.maximum}`);
  }
  if (typeOf(v) === 'object') {
    for (const r of schema.required || []) if (!(r in v)) errs.push(`${where}: missing required property '${r}'`);
    const props = schema.properties || {};
    for (const [k, val] of Object.entries(v)) {
      if (props[k]) validate(props[k], val, `${where}.${k}`, errs, depth + 1);
      else if (schema.additionalProperties === false) errs.push(`${where}: unexpected property '${k}'`);
      else if (typeof schema.additionalProperties === 'object') validate(schema.additionalProperties, val, `${where}.${k}`, errs, depth + 1);
    }
  }
  if (Array.isArray(v) && schema.items) v.forEach((x, i) => validate(schema.items, x, `${where}[${i}]`, errs, depth + 1));
}
// A parameter value from the URL (a string) against its schema.
function coerce(schema, s) {
  schema = deref(schema) || {};
  const t = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  if (t === 'integer') return /^-?\d+$/.test(s) ? Number(s) : s;
  if (t === 'number') return /^-?\d+(\.\d+)?$/.test(s) ? Number(s) : s;
  if (t === 'boolean') return s === 'true' ? true : s === 'false' ? false : s;
  return s;
}

// ---- state -----------------------------------------------------------------------------------
const state = {
  nextId: 1000000001,
  comments: new Map(), // "owner/repo#n" -> [comment]
  pulls: new Map(),    // "owner/repo@sha" -> [{number, state}]
  deployments: [],     // newest last: deployment objects, each with .statuses (newest last)
  failures: [],        // {method, path (regex), status, headers, body, times}
  requests: [],        // {method, path, status}
  violations: [],
};
const userObj = {
  login: 'github-actions[bot]', id: 41898282, node_id: 'MDM6Qm90NDE4OTgyODI=',
  avatar_url: 'https://avatars.githubusercontent.com/in/15368?v=4', gravatar_id: '',
  url: 'https://api.github.com/users/github-actions%5Bbot%5D', html_url: 'https://github.com/apps/github-actions',
  followers_url: 'https://api.github.com/users/github-actions%5Bbot%5D/followers',
  following_url: 'https://api.github.com/users/github-actions%5Bbot%5D/following{/other_user}',
  gists_url: 'https://api.github.com/users/github-actions%5Bbot%5D/gists{/gist_id}',
  starred_url: 'https://api.github.com/users/github-actions%5Bbot%5D/starred{/owner}{/repo}',
  subscriptions_url: 'https://api.github.com/users/github-actions%5Bbot%5D/subscriptions',
  organizations_url: 'https://api.github.com/users/github-actions%5Bbot%5D/orgs',
  repos_url: 'https://api.github.com/users/github-actions%5Bbot%5D/repos',
  events_url: 'https://api.github.com/users/github-actions%5Bbot%5D/events{/privacy}',
  received_events_url: 'https://api.github.com/users/github-actions%5Bbot%5D/received_events',
  type: 'Bot', site_admin: false,
};
function base() { return `http://127.0.0.1:${server.address().port}${PREFIX}`; }
function makeComment(owner, repo, issue, body) {
  const id = state.nextId++;
  const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  return {
    id, node_id: 'IC_' + Buffer.from(String(id)).toString('base64'),
    url: `${base()}/repos/${owner}/${repo}/issues/comments/${id}`,
    html_url: `https://github.com/${owner}/${repo}/pull/${issue}#issuecomment-${id}`,
    issue_url: `${base()}/repos/${owner}/${repo}/issues/${issue}`,
    body, user: userObj, created_at: now, updated_at: now,
    author_association: 'NONE', performed_via_github_app: null,
  };
}
function key(owner, repo, issue) { return `${owner}/${repo}#${issue}`.toLowerCase(); }
function findComment(owner, repo, id) {
  const prefix = `${owner}/${repo}#`.toLowerCase();
  for (const [k, list] of state.comments) {
    if (!k.startsWith(prefix)) continue;
    const i = list.findIndex((c) => c.id === id);
    if (i >= 0) return { list, i };
  }
  return null;
}

// ---- HTTP ------------------------------------------------------------------------------------
function send(res, status, body, headers = {}) {
  const data = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, Object.assign({
    'content-type': 'application/json; charset=utf-8',
    'x-github-api-version-selected': API_VERSION,
    'x-ratelimit-limit': '5000', 'x-ratelimit-remaining': '4999',
  }, data ? {} : { 'content-length': '0' }, headers));
  res.end(data);
}
function violation(req, res, msg) {
  const v = `${req.method} ${req.url}: ${msg}`;
  state.violations.push(v);
  process.stderr.write('VIOLATION ' + v + '\n');
  send(res, 400, { message: 'Request does not match the GitHub API description: ' + msg, documentation_url: 'https://docs.github.com/rest' });
}
function paginate(req, res, u, items) {
  const per = Math.min(Number(u.searchParams.get('per_page') || 30), 100);
  const page = Math.max(Number(u.searchParams.get('page') || 1), 1);
  const last = Math.max(Math.ceil(items.length / per), 1);
  const link = (p) => {
    const q = new URLSearchParams(u.searchParams);
    q.set('per_page', String(per));
    q.set('page', String(p));
    return `<${base()}${u.pathname.slice(PREFIX.length)}?${q}>`;
  };
  const rels = [];
  if (page < last) rels.push(`${link(page + 1)}; rel="next"`, `${link(last)}; rel="last"`);
  if (page > 1) rels.push(`${link(1)}; rel="first"`, `${link(page - 1)}; rel="prev"`);
  send(res, 200, items.slice((page - 1) * per, page * per), rels.length ? { link: rels.join(', ') } : {});
}

function checkResponse(op, status, body, where) {
  const r = deref((op.responses || {})[String(status)]);
  const schema = r && r.content && r.content['application/json'] && r.content['application/json'].schema;
  if (!schema || body === undefined) return;
  const errs = [];
  validate(schema, body, 'response', errs);
  if (errs.length) {
    state.violations.push(`mock response of ${where}: ${errs.join('; ')}`);
    process.stderr.write(`MOCK VIOLATION ${where}: ${errs.join('; ')}\n`);
  }
}

function handleApi(req, res, u, body) {
  const p = u.pathname.slice(PREFIX.length);
  const cand = ops.filter((o) => o.re.test(p));
  if (!cand.length) return violation(req, res, `no path template of the description matches ${p}`);
  const match = cand.find((o) => o.method === req.method);
  if (!match) return violation(req, res, `${req.method} is not an operation of ${cand[0].tpl}`);
  const { op } = match;
  const errs = [];

  // headers
  const accept = req.headers.accept || '';
  if (!accept.split(',').some((a) => a.trim().startsWith('application/vnd.github+json'))) errs.push(`Accept '${accept}' is not application/vnd.github+json`);
  if (req.headers['x-github-api-version'] !== API_VERSION) errs.push(`X-GitHub-Api-Version '${req.headers['x-github-api-version'] || ''}' is not ${API_VERSION}`);
  if (!req.headers['user-agent']) errs.push('no User-Agent (GitHub rejects requests without one)');
  const auth = req.headers.authorization || '';
  if (!/^Bearer \S+$/.test(auth)) errs.push('Authorization is not "Bearer <token>"');

  // parameters
  const m = p.match(match.re);
  const params = {};
  match.names.forEach((n, i) => { params[n] = decodeURIComponent(m[i + 1]); });
  const defs = [...match.shared, ...(op.parameters || [])].map(deref);
  for (const d of defs.filter((d) => d.in === 'path')) {
    if (!(d.name in params)) errs.push(`missing path parameter ${d.name}`);
    else validate(d.schema, coerce(d.schema, params[d.name]), `path.${d.name}`, errs);
  }
  const qdefs = new Map(defs.filter((d) => d.in === 'query').map((d) => [d.name, d]));
  for (const [k, v] of u.searchParams) {
    const d = qdefs.get(k);
    if (!d) { errs.push(`query parameter '${k}' is not defined for ${op.operationId}`); continue; }
    validate(d.schema, coerce(d.schema, v), `query.${k}`, errs);
  }
  for (const d of qdefs.values()) if (d.required && !u.searchParams.has(d.name)) errs.push(`missing query parameter ${d.name}`);
  const pp = Number(u.searchParams.get('per_page') || 30);
  if (u.searchParams.has('per_page') && (pp < 1 || pp > 100)) errs.push('per_page must be 1..100');

  // body
  const rb = deref(op.requestBody);
  let json;
  if (body.length) {
    const ct = req.headers['content-type'] || '';
    if (!ct.startsWith('application/json')) errs.push(`Content-Type '${ct}' is not application/json`);
    try { json = JSON.parse(body.toString('utf8')); } catch (e) { errs.push('body is not JSON: ' + e.message); }
    if (!rb) errs.push(`${op.operationId} takes no request body`);
  }
  if (rb && rb.required && json === undefined && !errs.some((e) => e.startsWith('body'))) errs.push(`${op.operationId} requires a JSON body`);
  if (rb && json !== undefined) {
    const schema = rb.content && rb.content['application/json'] && rb.content['application/json'].schema;
    if (schema) validate(schema, json, 'body', errs);
  }
  if (errs.length) return violation(req, res, errs.join('; '));

  // authentication (after the shape: a 401 is an answer, not a violation)
  if (auth !== `Bearer ${TOKEN}`) return send(res, 401, { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest', status: '401' });

  // injected failures
  const f = state.failures.find((x) => x.times > 0 && (!x.method || x.method === req.method) && (!x.path || new RegExp(x.path).test(p)));
  if (f) {
    f.times--;
    return send(res, f.status, f.body || { message: `injected ${f.status}` }, f.headers || {});
  }

  const id = op.operationId;
  const { owner, repo } = params;
  if (id === 'issues/list-comments') {
    return paginate(req, res, u, state.comments.get(key(owner, repo, params.issue_number)) || []);
  }
  if (id === 'issues/create-comment') {
    const k = key(owner, repo, params.issue_number);
    if (!state.comments.has(k)) state.comments.set(k, []);
    const c = makeComment(owner, repo, params.issue_number, json.body);
    state.comments.get(k).push(c);
    checkResponse(op, 201, c, id);
    return send(res, 201, c, { location: c.url });
  }
  if (id === 'issues/get-comment' || id === 'issues/update-comment' || id === 'issues/delete-comment') {
    const at = findComment(owner, repo, Number(params.comment_id));
    if (!at) return send(res, 404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest', status: '404' });
    const c = at.list[at.i];
    if (id === 'issues/delete-comment') { at.list.splice(at.i, 1); return send(res, 204); }
    if (id === 'issues/update-comment') {
      c.body = json.body;
      c.updated_at = new Date(Date.parse(c.updated_at) + 1000).toISOString().replace(/\.\d+Z$/, 'Z');
    }
    checkResponse(op, 200, c, id);
    return send(res, 200, c);
  }
  if (id === 'repos/list-pull-requests-associated-with-commit') {
    const list = state.pulls.get(`${owner}/${repo}@${params.commit_sha}`.toLowerCase()) || [];
    return paginate(req, res, u, list.map((x) => ({ number: x.number, state: x.state || 'open', id: x.number + 500, title: 'PR ' + x.number, html_url: `https://github.com/${owner}/${repo}/pull/${x.number}` })));
  }
  if (id === 'repos/create-deployment') {
    if (!/^[0-9a-f]{40}$/.test(json.ref) && !['main', 'master'].includes(json.ref))
      return send(res, 422, { message: `No ref found for: ${json.ref}`, documentation_url: 'https://docs.github.com/rest/deployments/deployments#create-a-deployment', status: '422' });
    const did = state.nextId++;
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    const rurl = `${base()}/repos/${owner}/${repo}`;
    const d = {
      url: `${rurl}/deployments/${did}`, id: did, node_id: 'DE_' + Buffer.from(String(did)).toString('base64'),
      sha: /^[0-9a-f]{40}$/.test(json.ref) ? json.ref : 'a'.repeat(40), ref: json.ref, task: json.task || 'deploy',
      payload: json.payload === undefined ? {} : json.payload, original_environment: json.environment || 'production',
      environment: json.environment || 'production', description: json.description === undefined ? null : json.description,
      creator: userObj, created_at: now, updated_at: now, statuses_url: `${rurl}/deployments/${did}/statuses`,
      repository_url: rurl, transient_environment: !!json.transient_environment,
      production_environment: json.production_environment === undefined ? (json.environment || 'production') === 'production' : !!json.production_environment,
    };
    const stored = Object.assign({ owner: owner.toLowerCase(), repo: repo.toLowerCase(), statuses: [], request: json }, d);
    state.deployments.push(stored);
    checkResponse(op, 201, d, id);
    return send(res, 201, d);
  }
  if (id === 'repos/list-deployments') {
    const env = u.searchParams.get('environment');
    const list = state.deployments.filter((d) => d.owner === owner.toLowerCase() && d.repo === repo.toLowerCase() && (!env || d.environment === env))
      .slice().reverse().map((d) => { const { owner: _o, repo: _r, statuses: _s, request: _q, ...pub } = d; return pub; });
    return paginate(req, res, u, list);
  }
  if (id === 'repos/create-deployment-status' || id === 'repos/list-deployment-statuses') {
    const d = state.deployments.find((x) => x.id === Number(params.deployment_id) && x.owner === owner.toLowerCase() && x.repo === repo.toLowerCase());
    if (!d) return send(res, 404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest', status: '404' });
    if (id === 'repos/list-deployment-statuses') return paginate(req, res, u, d.statuses.slice().reverse().map((x) => { const { request: _q, ...pub } = x; return pub; }));
    const sid = state.nextId++;
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    const st = {
      url: `${d.url}/statuses/${sid}`, id: sid, node_id: 'DES_' + Buffer.from(String(sid)).toString('base64'),
      state: json.state, creator: userObj, description: json.description || '', environment: json.environment || d.environment,
      target_url: json.target_url || json.log_url || '', created_at: now, updated_at: now,
      deployment_url: d.url, repository_url: d.repository_url, environment_url: json.environment_url || '', log_url: json.log_url || '',
    };
    d.statuses.push(Object.assign({ request: json }, st));
    checkResponse(op, 201, st, id);
    return send(res, 201, st);
  }
  return send(res, 501, { message: `mock has no behaviour for ${id}` });
}

function handleControl(req, res, u, body) {
  const j = body.length ? JSON.parse(body.toString('utf8')) : {};
  const q = (n) => u.searchParams.get(n);
  switch (`${req.method} ${u.pathname}`) {
    case 'POST /__control/seed': { // {repo, issue, count, body}: count comments by someone else
      const [owner, name] = j.repo.split('/');
      const k = key(owner, name, j.issue);
      if (!state.comments.has(k)) state.comments.set(k, []);
      for (let i = 0; i < (j.count || 1); i++) state.comments.get(k).push(makeComment(owner, name, j.issue, (j.body || 'comment %d').replace('%d', String(i))));
      return send(res, 200, { total: state.comments.get(k).length });
    }
    case 'POST /__control/pulls': state.pulls.set(`${j.repo}@${j.sha}`.toLowerCase(), j.pulls); return send(res, 200, {});
    case 'POST /__control/fail': state.failures.push(Object.assign({ times: 1 }, j)); return send(res, 200, {});
    case 'GET /__control/comments': return send(res, 200, state.comments.get(key(...q('repo').split('/'), q('issue'))) || []);
    case 'GET /__control/requests': return send(res, 200, state.requests);
    case 'GET /__control/deployments': return send(res, 200, state.deployments);
    case 'GET /__control/violations': return send(res, 200, state.violations);
    default: return send(res, 404, { message: 'unknown control ' + u.pathname });
  }
}

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks);
    const u = new URL(req.url, 'http://127.0.0.1');
    try {
      if (u.pathname.startsWith('/__control/')) return handleControl(req, res, u, body);
      res.on('finish', () => state.requests.push({ method: req.method, path: u.pathname + u.search, status: res.statusCode }));
      if (PREFIX && !u.pathname.startsWith(PREFIX + '/')) return violation(req, res, `path outside the API prefix ${PREFIX}`);
      return handleApi(req, res, u, body);
    } catch (e) {
      process.stderr.write('mock error: ' + e.stack + '\n');
      state.violations.push('mock error: ' + e.message);
      return send(res, 500, { message: 'mock error: ' + e.message });
    }
  });
});
server.listen(PORT, '127.0.0.1', () => process.stdout.write(`listening ${server.address().port}\n`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
